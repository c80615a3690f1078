// A single-node OpenSearch for the search tests, embedded in one JVM with the plugins Mawrid needs.
//
// A real distribution loads modules from its modules/ directory; here the plugin classes are on the
// classpath (from Maven Central, see pom.xml) and handed to Node's protected constructor instead.
// Bootstrap (security manager, jar-hell and production checks) is skipped: this is a test server
// bound to loopback. Settings come as -E name=value arguments, as with the real `opensearch` script.
//
// Usage: java -cp <classpath> MawridTestNode -Epath.home=/tmp/x -Ehttp.port=9200 ...
// It prints "MAWRID NODE STARTED" once the node is up, and closes the node on SIGTERM, or when its
// standard input ends: the test process that started it holds that pipe, so a test run killed without
// its teardown does not leave the node running.

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

public final class MawridTestNode extends Node {
    private static final List<Class<? extends Plugin>> PLUGINS =
        List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, ReindexPlugin.class);

    private MawridTestNode(Settings settings) {
        super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "mawrid-test"), PLUGINS, true);
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder()
            .put("cluster.name", "mawrid-test")
            .put("node.name", "mawrid-test")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .put("http.type", "netty4")
            .put("transport.type", "netty4");
        for (String arg : args) {
            if (!arg.startsWith("-E") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected -Ename=value, got " + arg);
            }
            String[] pair = arg.substring(2).split("=", 2);
            builder.put(pair[0], pair[1]);
        }
        Settings settings = builder.build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);  // console logging at INFO, no log4j2.properties needed

        Node node = new MawridTestNode(settings);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "mawrid-node-shutdown"));
        Thread orphaned = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // the parent writes nothing; end of input means it is gone
                }
            } catch (java.io.IOException e) {
                // a broken pipe means the same
            }
            System.exit(0);  // runs the shutdown hook
        }, "mawrid-parent-watch");
        orphaned.setDaemon(true);
        orphaned.start();
        node.start();
        System.out.println("MAWRID NODE STARTED");
        System.out.flush();
        closed.await();
    }
}
