"""The one settings object: every knob is a `MAWRID_*` environment variable (or `.env` line).

Unset engines fall back to the embedded defaults under the data directory:
a SQLite file, a local object directory, a tantivy index. `web.wiring` is the
one place that turns these settings into engines and adapters.
"""

from __future__ import annotations

import re
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# An oai-identifier's namespace part is a domain name (OAI-PMH 2.0 guidelines, oai-identifier.xsd).
OAI_NAMESPACE = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")
DEFAULT_OAI_NAMESPACE = "mawrid.local"  # when the base URL's host is an IP address or a bare name

SECRET_NAMES = (
    "secret_key",
    "s3_secret_access_key",
    "database_url",
    "elasticsearch_url",
    "opensearch_url",
    "ldap_bind_password",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAWRID_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = ""  # key prefix inside the bucket, to share one bucket
    elasticsearch_url: str | None = None
    elasticsearch_index: str = "mawrid"
    opensearch_url: str | None = None
    opensearch_index: str = "mawrid"
    base_url: str = "http://127.0.0.1:8000"
    # Where course packages are played: an origin on another host name that reaches this same server
    # (see web/packages.py). Unset, packages run in an opaque sandbox on the site's own origin.
    package_origin: str | None = None
    secret_key: SecretStr | None = None
    session_lifetime_hours: float = Field(default=12, gt=0)  # from sign-in, however active
    session_idle_minutes: float = Field(default=120, gt=0)  # without a request
    # Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed; none by default, so a client cannot choose the address it is throttled under.
    trusted_proxies: str = ""
    max_upload_bytes: int = Field(default=4 * 1024**3, gt=0)
    admin_email: str = "repository@qou.edu"
    repository_name: str = "Mawrid — Al-Quds Open University Repository"
    job_lease_seconds: int = Field(default=60, gt=0)
    job_max_attempts: int = Field(default=3, gt=0)
    job_time_limit_seconds: int = Field(default=300, gt=0)
    job_memory_limit_mb: int = Field(default=2048, gt=0)
    oai_page_size: int = Field(default=100, gt=0)
    # The namespace of OAI-PMH identifiers (oai:<namespace>:<item id>): a domain name. Unset, the
    # base URL's host if it is one, else DEFAULT_OAI_NAMESPACE. Changing it renames every record.
    oai_namespace: str | None = None
    # An embargo closes an item's files until its date; its metadata stays public (the DSpace and
    # InvenioRDM default) unless this is set, which hides the whole record everywhere, OAI-PMH too.
    embargo_hides_metadata: bool = False
    # Sign-in through the university directory, beside local accounts (unset: local accounts only).
    ldap_url: str | None = None  # ldap://directory.qou.edu or ldaps://…
    ldap_user_dn_template: str | None = None  # uid={username},ou=people,dc=qou,dc=edu — or search:
    ldap_search_base: str | None = None
    ldap_search_filter: str = "(|(uid={username})(mail={username}))"
    ldap_bind_dn: str | None = None  # the account that searches; anonymous when unset
    ldap_bind_password: SecretStr | None = None
    ldap_mail_attribute: str = "mail"
    ldap_name_attribute: str = "displayName"
    ldap_admin_group: str | None = None  # group DNs whose members get that role on first sign-in
    ldap_librarian_group: str | None = None
    ldap_submitter_group: str | None = None
    ldap_default_role: str | None = None  # for people in none of the groups; unset: they may not sign in
    ldap_timeout_seconds: float = Field(default=5.0, gt=0)
    # A tus upload untouched this long expires (tus expiration extension) and is swept.
    tus_expiry_hours: float = Field(default=24, gt=0)
    # Temporary files no live process holds are swept once this old (see repository/objects/temp.py).
    temp_grace_minutes: float = Field(default=60, ge=0)
    # Each tool run that makes an alternative format (espeak-ng, ffmpeg, lou_translate) stops after this.
    reading_time_limit_seconds: float = Field(default=300, gt=0)

    @model_validator(mode="after")
    def _one_search_cluster(self) -> Settings:
        if self.elasticsearch_url and self.opensearch_url:
            raise ValueError("set MAWRID_OPENSEARCH_URL or MAWRID_ELASTICSEARCH_URL, not both: the index lives in one")
        return self

    @model_validator(mode="after")
    def _package_origin_is_another_host(self) -> Settings:
        if self.package_origin is None:
            return self
        origin = urlsplit(self.package_origin)
        if origin.scheme not in ("http", "https") or not origin.hostname or origin.path not in ("", "/"):
            raise ValueError("MAWRID_PACKAGE_ORIGIN must be an origin such as https://packages.example.org")
        if origin.hostname == urlsplit(self.base_url).hostname:
            # Cookies ignore ports: another port on the site's host would hand packages the site's session.
            raise ValueError("MAWRID_PACKAGE_ORIGIN needs a host name of its own, not the site's host on another port")
        self.package_origin = f"{origin.scheme}://{origin.netloc}"
        return self

    @field_validator("oai_namespace")
    @classmethod
    def _domain_name(cls, value: str | None) -> str | None:
        if value is not None and not OAI_NAMESPACE.match(value):
            raise ValueError(f"{value!r} is not a domain name (such as repository.qou.edu)")
        return value.lower() if value else None

    @property
    def resolved_oai_namespace(self) -> str:
        if self.oai_namespace:
            return self.oai_namespace
        host = (urlsplit(self.base_url).hostname or "").lower()
        return host if OAI_NAMESPACE.match(host) else DEFAULT_OAI_NAMESPACE

    def oai_identifier(self, item_id: str) -> str:
        return f"oai:{self.resolved_oai_namespace}:{item_id}"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'mawrid.sqlite3').resolve()}"

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(part.strip(), strict=False) for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_bucket)

    def secret(self) -> str:
        """The signing key: the setting, else one generated once and kept in the data directory."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()

    def effective(self) -> dict[str, str]:
        """Every setting as the operator should see it, secrets masked."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if name == "database_url" and value is None:
                value = self.resolved_database_url
            if value is not None and name in SECRET_NAMES:
                value = _mask(str(value))
            shown[f"MAWRID_{name.upper()}"] = "" if value is None else str(value)
        if self.secret_key is None:
            shown["MAWRID_SECRET_KEY"] = f"(generated, kept in {self.data_dir / 'secret_key'})"
        return shown


def _mask(value: str) -> str:
    if "://" in value and "@" in value:  # keep the host of a URL, hide its credentials
        scheme, rest = value.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    if "://" in value:
        return value
    return "***"
