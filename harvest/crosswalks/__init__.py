"""Crosswalks: pure functions from an `Item` (plus a `Context`) to the lxml element of one metadata format.

`to_oai_dc`, `to_oai_openaire`, `to_datacite`, `to_mods`, `to_lom`; no I/O, so
they are tested record in, XML out, and validated against the official XSDs.
"""
