// Runs the Kafka broker (kafka.Kafka) for tests, stopping it when the test process that started it goes away.

public class KafkaServer {
  public static void main(String[] args) throws Exception {
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) { } // stdin closes when the parent goes away
      } catch (java.io.IOException ignored) {
      }
      System.exit(0);
    }, "parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    kafka.Kafka.main(args);
  }
}
