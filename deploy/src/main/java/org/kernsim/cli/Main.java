package org.kernsim.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.kernsim.engine.StopRequest;
import org.kernsim.scenario.BadInputException;
import org.kernsim.trace.OutputFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code kernsim} command. Only {@link #main} calls {@code System.exit}. */
@Command(
    name = "kernsim",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Deterministic, distributed simulator of Linux kernel concurrency mechanisms.",
    footerHeading = "%nExit codes (every command; 'kernsim COMMAND --help' says which it uses):%n",
    footer = {
      "  0    ok                        1    internal error (--verbose: stack trace)",
      "  2    bad input: one line naming what and where (a file, value, flag, output)",
      "  3    an invariant was violated 4    the cluster failed (not formed, node lost)",
      "  5    out of memory (give the JVM more: KERNSIM_JAVA_OPTS=-Xmx8g)",
      "  130  interrupted by SIGINT (Ctrl-C): a run stops after its current window",
      "  143  interrupted by SIGTERM: the same"
    },
    subcommands = {
      RunCommand.class,
      NodeCommand.class,
      ExploreCommand.class,
      CompareCommand.class,
      BenchCommand.class,
      TraceCommand.class,
      ScenariosCommand.class,
      SettingsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Callable<Integer> {

  @Option(
      names = "--verbose",
      description = "Print stack traces of internal errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return ExitCodes.OK;
  }

  public static void main(String[] args) {
    // initialise logging before any ActorSystem starts threads that log concurrently
    org.slf4j.LoggerFactory.getLogger(Main.class);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(OutputFiles::deleteTemporaries, "kernsim-temporaries"));
    Signals.install();
    // the heap exhausted or a fatal error on Pekko's threads: one line (the stack trace with
    // --verbose)
    Fatal.install(java.util.Arrays.asList(args).contains("--verbose"));
    int code = execute(args);
    // a command that finished while a stop was requested still reports the signal
    if (StopRequest.requested()) code = Signals.exitCode();
    System.exit(code);
  }

  /** Runs the CLI and returns its exit code; the heap exhausted is one line and exit code 5. */
  public static int execute(String... args) {
    try {
      return commandLine().execute(args);
    } catch (OutOfMemoryError e) {
      return outOfMemory();
    }
  }

  private static int outOfMemory() {
    try {
      // a heap watch, or a thread's handler, may have printed the line already
      if (!Fatal.claimLastLine()) return ExitCodes.OUT_OF_MEMORY;
      OutputFiles.deleteTemporaries();
      Fatal.printOutOfMemoryLine(System.err);
      return ExitCodes.OUT_OF_MEMORY;
    } catch (OutOfMemoryError again) {
      Runtime.getRuntime().halt(ExitCodes.OUT_OF_MEMORY);
      return ExitCodes.OUT_OF_MEMORY;
    }
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("kernsim: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.BAD_INPUT;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (ex instanceof BadInputException
              || ex instanceof OutputFiles.OutputFailed
              || ex instanceof org.kernsim.config.KernsimSettings.BadSetting) {
            err.println("kernsim: " + ex.getMessage());
            return ExitCodes.BAD_INPUT;
          }
          if (ex instanceof StopRequest.Stopped || StopRequest.requested()) {
            // whatever failed, it failed because a signal stopped it (a child node that left)
            err.println("kernsim: interrupted by " + StopRequest.signal());
            if (parseResult.hasMatchedOption("--verbose")) ex.printStackTrace(err);
            return Signals.exitCode();
          }
          if (ex instanceof org.kernsim.engine.actor.Coordinator.RunFailed rf
              && rf.failure() == org.kernsim.engine.actor.Coordinator.Cause.CLUSTER) {
            err.println("kernsim: " + rf.describe());
            return ExitCodes.CLUSTER;
          }
          if (ex instanceof ClusterUnavailable
              || ex instanceof org.kernsim.run.ClusterExplorer.Unavailable) {
            err.println("kernsim: " + ex.getMessage());
            return ExitCodes.CLUSTER;
          }
          err.println("kernsim: internal error: " + ex);
          if (parseResult.hasMatchedOption("--verbose")) ex.printStackTrace(err);
          else err.println("(run again with --verbose for the stack trace)");
          return ExitCodes.INTERNAL;
        });
    return cl;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Package p = Main.class.getPackage();
      String v = p == null ? null : p.getImplementationVersion();
      return new String[] {"kernsim " + (v == null ? "dev" : v)};
    }
  }
}
