// Runs a Neo4j Community server for tests: embedded DBMS, Bolt on 127.0.0.1:<port>, user neo4j with the given password.

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

public class Neo4jServer {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    String password = args[2];
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(GraphDatabaseSettings.auth_enabled, true)
        .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
        .setConfig(GraphDatabaseSettings.udc_enabled, false)
        // Bolt waits 5 s twice on shutdown for connections to a server whose databases have already stopped.
        .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(200))
        .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(200))
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
    // Only a fresh home still has the default password to change; a restart keeps the one set before.
    GraphDatabaseService system = dbms.database("system");
    boolean fresh = system.executeTransactionally(
        "SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j' RETURN passwordChangeRequired", Map.of(),
        result -> result.hasNext() && Boolean.TRUE.equals(result.next().get("passwordChangeRequired")));
    if (fresh) system.executeTransactionally("ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    System.out.println("READY " + port);
    System.out.flush();
    while (System.in.read() != -1) { } // stops when the parent goes away
    System.exit(0);
  }
}
