package org.kernsim.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * The CLI's logging, configured in code (Logback's {@link Configurator} service, named in {@code
 * META-INF/services}) instead of a {@code logback.xml}: reading XML through Joran was ~0.13 s of
 * every command's start, the same configuration in code about half of that (docs/performance.md,
 * "Logging configured in code"). kernsim's own code does not log; Pekko does, through SLF4J:
 *
 * <ul>
 *   <li>the root at WARN, to stderr: {@code HH:mm:ss.SSS LEVEL logger - message};
 *   <li>Pekko's own log ({@code org.apache.pekko}) at ERROR: a lost connection while nodes stop is
 *       expected, and kernsim reports what matters as one line; {@code -Dkernsim.pekko.log=WARN}
 *       (or INFO, DEBUG) for more;
 *   <li>a frame that does not deserialize (a hostile or broken sender) is dropped by Artery with
 *       one line naming the sender and the reason, never a stack trace: a sender may send many;
 *   <li>a port in use is reported by {@code kernsim node} in one line, so Pekko's TCP listener is
 *       silent;
 *   <li>a node refused by the cluster's join check (another cluster token: marker {@value
 *       #JOIN_FAILED}) is reported by {@code kernsim node} / {@code run --join} in one line of its
 *       own; Pekko's own error says to redeploy or to switch the protection off, wrong advice here.
 * </ul>
 *
 * <p>It stands aside, for Logback's usual lookup, when {@code -Dlogback.configurationFile} names a
 * configuration of the user's, or when a {@code logback-test.xml} is on the classpath (a test run)
 * unless {@code -Dkernsim.logging=cli} asks for the CLI's.
 */
public final class CliLogging extends ContextAwareBase implements Configurator {

  /** The marker of Pekko's "incompatible cluster configuration" join refusal. */
  static final String JOIN_FAILED = "pekkoJoinFailed";

  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{30} - %msg%n";

  /** An exception's first lines folded into the message's line, no stack trace. */
  static final String ONE_LINE_PATTERN =
      "%d{HH:mm:ss.SSS} %-5level %logger{30} - %msg %replace(%ex{short}){'[\\r\\n\\t]+', ' '}%nopex%n";

  static final String DESERIALIZER = "org.apache.pekko.remote.artery.Deserializer";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (!applies()) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Whether the CLI's configuration is the one to use (see the class comment). */
  static boolean applies() {
    if (System.getProperty("logback.configurationFile") != null) return false;
    if ("cli".equals(System.getProperty("kernsim.logging"))) return true;
    return CliLogging.class.getClassLoader().getResource("logback-test.xml") == null;
  }

  /** Configures {@code context} as the CLI's logging. */
  static void apply(LoggerContext context) {
    TurboFilter joinFailed = new DenyMarked(JOIN_FAILED);
    joinFailed.setContext(context);
    joinFailed.start();
    context.addTurboFilter(joinFailed);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr(context, "STDERR", PATTERN));
    context
        .getLogger("org.apache.pekko")
        .setLevel(Level.toLevel(System.getProperty("kernsim.pekko.log"), Level.ERROR));
    Logger deserializer = context.getLogger(DESERIALIZER);
    deserializer.setAdditive(false);
    deserializer.addAppender(stderr(context, "ONELINE", ONE_LINE_PATTERN));
    context.getLogger("org.apache.pekko.io.TcpListener").setLevel(Level.OFF);
  }

  /**
   * Denies every event that carries a marker of the given name. By name, not through Logback's
   * {@code MarkerFilter}, whose start asks SLF4J's {@code MarkerFactory} — not ready while SLF4J is
   * still initialising, which is when this configuration runs.
   */
  static final class DenyMarked extends TurboFilter {
    private final String name;

    DenyMarked(String name) {
      this.name = name;
    }

    @Override
    public FilterReply decide(
        Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
      return marker != null && marker.contains(name) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
  }

  private static ConsoleAppender<ILoggingEvent> stderr(
      LoggerContext context, String name, String pattern) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(pattern);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName(name);
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    return appender;
  }
}
