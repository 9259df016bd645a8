package org.kernsim.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.kernsim.scenario.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code kernsim} command. Only {@link #main} calls {@code System.exit}. */
@Command(
    name = "kernsim",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Deterministic, distributed simulator of Linux kernel concurrency mechanisms.",
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
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
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
          if (ex instanceof BadInputException) {
            err.println("kernsim: " + ex.getMessage());
            return ExitCodes.BAD_INPUT;
          }
          if (ex instanceof org.kernsim.engine.actor.Coordinator.RunFailed rf
              && rf.failure() == org.kernsim.engine.actor.Coordinator.Cause.CLUSTER) {
            err.println("kernsim: " + rf.describe());
            return ExitCodes.CLUSTER;
          }
          if (ex instanceof ClusterUnavailable) {
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
