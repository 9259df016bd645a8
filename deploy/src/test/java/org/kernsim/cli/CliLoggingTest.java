package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.MarkerFactory;

/** The CLI's logging as configured in code: what goes to stderr, and how. */
class CliLoggingTest {

  @Test
  void logbackFindsItAsAConfiguratorService() {
    assertTrue(
        ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == CliLogging.class),
        "META-INF/services/ch.qos.logback.classic.spi.Configurator names CliLogging");
  }

  @Test
  void levelsAndAppendersAreThoseOfTheCli() {
    LoggerContext context = configured(null);
    assertEquals(Level.WARN, context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
    assertEquals(Level.ERROR, context.getLogger("org.apache.pekko").getLevel());
    assertEquals(Level.OFF, context.getLogger("org.apache.pekko.io.TcpListener").getLevel());
    Logger deserializer = context.getLogger(CliLogging.DESERIALIZER);
    assertFalse(deserializer.isAdditive());
    assertTrue(deserializer.getAppender("ONELINE").isStarted());
    assertTrue(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR").isStarted());
    assertEquals(Level.INFO, configured("info").getLogger("org.apache.pekko").getLevel());
  }

  @Test
  void aRefusedFrameIsOneLineWithItsReasonAndAWarningIsItsOwnLine() {
    LoggerContext context = configured(null);
    String err =
        stderrOf(
            () -> {
              context
                  .getLogger(CliLogging.DESERIALIZER)
                  .error(
                      "Failed to deserialize message from [pekko://kernsim@127.0.0.1:1]",
                      new java.io.NotSerializableException("refused\na frame\tof 7 bytes"));
              context.getLogger("org.kernsim.x").warn("a warning");
              context.getLogger("org.kernsim.x").info("not shown: below WARN");
              context.getLogger("org.apache.pekko.cluster.y").warn("not shown: Pekko below ERROR");
              context
                  .getLogger("org.apache.pekko.cluster.y")
                  .error(MarkerFactory.getMarker(CliLogging.JOIN_FAILED), "not shown: marked");
            });
    String[] lines = err.split("\n");
    assertEquals(2, lines.length, err);
    assertTrue(lines[0].contains("Deserializer - Failed to deserialize message"), lines[0]);
    assertTrue(lines[0].contains("refused a frame of 7 bytes"), lines[0]);
    assertFalse(lines[0].contains("\tat "), "no stack trace: " + lines[0]);
    assertTrue(
        lines[1].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  org.kernsim.x - a warning"),
        lines[1]);
  }

  @Test
  void aConfigurationOfTheUsersOrATestsComesFirst() {
    String file = System.getProperty("logback.configurationFile");
    String mode = System.getProperty("kernsim.logging");
    try {
      System.setProperty("kernsim.logging", "cli");
      assertTrue(CliLogging.applies());
      System.setProperty("logback.configurationFile", "/tmp/mine.xml");
      assertFalse(CliLogging.applies());
      assertEquals(
          Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY,
          new CliLogging().configure(new LoggerContext()));
    } finally {
      restore("logback.configurationFile", file);
      restore("kernsim.logging", mode);
    }
  }

  private static LoggerContext configured(String pekkoLevel) {
    String before = System.getProperty("kernsim.pekko.log");
    try {
      if (pekkoLevel != null) System.setProperty("kernsim.pekko.log", pekkoLevel);
      LoggerContext context = new LoggerContext();
      // (SLF4J's provider gives its context an MDC adapter; a context of one's own needs one)
      context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
      CliLogging.apply(context);
      return context;
    } finally {
      restore("kernsim.pekko.log", before);
    }
  }

  private static String stderrOf(Runnable r) {
    PrintStream saved = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(saved);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static void restore(String key, String value) {
    if (value == null) System.clearProperty(key);
    else System.setProperty(key, value);
  }
}
