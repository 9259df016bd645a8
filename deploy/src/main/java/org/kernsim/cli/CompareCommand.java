package org.kernsim.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kernsim.models.Models;
import org.kernsim.run.Comparison;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;
import org.kernsim.scenario.Scenarios;
import org.kernsim.trace.OutputFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Run a scenario under several values of one setting, on the same seeds, and print every"
          + " metric per variant with the ratio of each variant to the last one.",
      "For example:",
      "  kernsim compare kprobes-bulk-unregister --vary kprobes.kernel=2.6.37,2.6.38 \\",
      "      --set machine.cpus=64 --set kprobes.probes=500",
      "Exit codes: 0 (whatever the checkers found: see violatingSeeds), 1 internal error,",
      "2 bad input, 5 out of memory, 130/143 interrupted by SIGINT/SIGTERM (nothing is printed:",
      "the runs were cut short)."
    })
final class CompareCommand implements Callable<Integer> {

  @Mixin ScenarioOptions options = new ScenarioOptions();

  @Parameters(
      index = "0",
      paramLabel = "SCENARIO",
      description = "A scenario file, or a built-in name.")
  String scenario;

  @Option(
      names = "--vary",
      paramLabel = "KEY=V1,V2,...",
      required = true,
      description = "The setting to vary and its values.")
  String vary;

  @Option(
      names = "--seeds",
      paramLabel = "A..B",
      defaultValue = "1",
      description =
          "Seeds (default: ${DEFAULT-VALUE}); over several, counters are totals and other figures"
              + " (percentiles, maxima, times) medians over the seeds.")
  String seeds;

  @Option(
      names = "--metrics",
      paramLabel = "NAME",
      split = ",",
      description = "Only these metrics in the table (all in --json).")
  List<String> only = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", description = "Runs in parallel (default: cores).")
  Integer threads;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "Write an HTML report: every metric per variant, with bars and ratios.")
  java.nio.file.Path report;

  @Override
  public Integer call() {
    Signals.graceful();
    int eq = vary.indexOf('=');
    if (eq <= 0 || eq == vary.length() - 1)
      throw new BadInputException("--vary " + Quote.value(vary) + ": expected KEY=V1,V2,...");
    String key = vary.substring(0, eq).trim();
    List<String> values =
        Arrays.stream(vary.substring(eq + 1).split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    for (String v : values) {
      if (values.indexOf(v) != values.lastIndexOf(v))
        throw new BadInputException("--vary " + key + ": value " + Quote.value(v) + " given twice");
      // every variant is a valid scenario, and a bad value is reported as --vary's
      List<Scenarios.Override> o = new ArrayList<>(Scenarios.Override.sets(options.sets));
      o.add(new Scenarios.Override("--vary", key + "=" + v));
      Models.loadWith(scenario, o);
    }
    long[] range = ExploreCommand.parseSeeds(seeds);
    long untilNanos = options.untilNanos();
    int n = ScenarioOptions.threads(threads);
    OutputFiles.check("--report", report);
    long seedsPerVariant = range[1] - range[0] + 1;
    long runs =
        seedsPerVariant <= 0 || seedsPerVariant > Long.MAX_VALUE / values.size()
            ? Long.MAX_VALUE
            : seedsPerVariant * values.size();
    Comparison.Report r;
    try (me.tongfei.progressbar.ProgressBar bar = json ? null : Progress.counter("runs", runs)) {
      r =
          Comparison.compare(
              scenario,
              options.sets,
              key,
              values,
              range[0],
              range[1],
              untilNanos,
              n,
              bar == null ? null : bar::stepTo);
    }
    if (org.kernsim.engine.StopRequest.requested()) {
      System.err.println(
          "kernsim: interrupted by "
              + org.kernsim.engine.StopRequest.signal()
              + ": the runs were cut short, so no comparison is printed");
      return Signals.exitCode();
    }
    if (!only.isEmpty()) {
      java.util.Set<String> known = new java.util.TreeSet<>();
      for (Comparison.Variant v : r.variants()) known.addAll(v.metrics().keySet());
      for (String m : only) {
        if (!known.contains(m))
          throw new BadInputException(
              "--metrics "
                  + Quote.value(m)
                  + ": no such metric in this comparison (its metrics: "
                  + String.join(", ", known)
                  + ")");
      }
    }
    if (report != null) {
      org.kernsim.report.HtmlReport.comparison(report, r, seeds);
      System.err.println("wrote " + report);
    }
    if (json) {
      System.out.println(Json.write(r.json()));
      return ExitCodes.OK;
    }
    System.out.printf(
        "scenario %s, %s over seeds %s%s%n%n",
        r.scenario(),
        key,
        seeds,
        r.variants().get(0).seeds() > 1
            ? " (counters: totals over the seeds; percentiles, maxima, times: medians over the"
                + " seeds, marked ~)"
            : "");
    int w = 20;
    StringBuilder head = new StringBuilder(String.format("%-40s", "metric"));
    for (Comparison.Variant v : r.variants()) head.append(String.format("%" + w + "s", v.value()));
    String base = r.variants().get(r.variants().size() - 1).value();
    for (Comparison.Variant v : r.variants().subList(0, r.variants().size() - 1))
      head.append(String.format("%" + w + "s", v.value() + "/" + base));
    System.out.println(head);
    for (String metric : r.variants().get(0).metrics().keySet()) {
      if (!only.isEmpty() && !only.contains(metric)) continue;
      boolean median =
          r.variants().get(0).seeds() > 1
              && Comparison.MEDIAN.equals(r.variants().get(0).metricKinds().get(metric));
      StringBuilder row = new StringBuilder(String.format("%-40s", (median ? "~" : "") + metric));
      for (Comparison.Variant v : r.variants()) {
        Double x = v.metrics().get(metric);
        row.append(String.format("%" + w + "s", x == null ? "-" : fmt(x)));
      }
      Map<String, Double> ratio = r.ratios().get(metric);
      for (Comparison.Variant v : r.variants().subList(0, r.variants().size() - 1)) {
        Double x = ratio == null ? null : ratio.get(v.value() + "/" + base);
        row.append(String.format("%" + w + "s", x == null ? "-" : x + "x"));
      }
      System.out.println(row);
    }
    System.out.println();
    for (Comparison.Variant v : r.variants()) {
      System.out.printf(
          "%s: %d of %d seeds violated %s%n",
          v.value(),
          v.violatingSeeds(),
          v.seeds(),
          v.violationsByChecker().isEmpty() ? "nothing" : v.violationsByChecker());
    }
    return ExitCodes.OK;
  }

  private static String fmt(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15
        ? String.format("%,d", (long) x)
        : String.format("%.3f", x);
  }
}
