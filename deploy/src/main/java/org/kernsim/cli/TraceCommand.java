package org.kernsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.kernsim.engine.StopRequest;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Quote;
import org.kernsim.trace.OutputFiles;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.TraceQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    description = {
      "Inspect a trace written by 'kernsim run --trace FILE': filter, follow one entity or work"
          + " item, summarise, or export it (in one streaming pass) to an HTML sequence diagram,"
          + " Perfetto (Chrome Trace Event JSON), trace-cmd/KernelShark (trace.dat) or ShiViz.",
      "See docs/traces.md.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input (a file that is not a trace, an output",
      "that cannot be written), 5 out of memory, 130/143 interrupted by SIGINT/SIGTERM.",
      "Examples:",
      "  kernsim trace t.jsonl --involving cpu1 --from 300s --to 300.01s",
      "  kernsim trace t.jsonl --where item=workload/3#10 (every record naming that work item)",
      "  kernsim trace t.jsonl --follow kworker/u:3       (one kworker's story)",
      "  kernsim trace t.jsonl --html t.html              (opens at the first violation)",
      "  kernsim trace t.jsonl --chrome t.json --ftrace t.dat --shiviz t.log",
      "  kernsim trace t.jsonl --type 'Wake*' --kind msg --chrome wakes.json"
    })
final class TraceCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE", description = "A trace (JSON Lines, .gz allowed).")
  Path file;

  @Option(
      names = "--at",
      paramLabel = "ENTITY",
      split = ",",
      description = "Records at this entity (the destination of a message).")
  List<String> at = new ArrayList<>();

  @Option(
      names = "--involving",
      paramLabel = "ENTITY",
      split = ",",
      description = "Records at, or messages from, this entity.")
  List<String> involving = new ArrayList<>();

  @Option(
      names = "--type",
      paramLabel = "GLOB",
      split = ",",
      description = "Message, note or checker type (glob: 'Wake*').")
  List<String> types = new ArrayList<>();

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      split = ",",
      description = "msg, note or violation.")
  List<String> kinds = new ArrayList<>();

  @Option(
      names = "--where",
      paramLabel = "FIELD=VALUE",
      description = "A field equal to a value, at any depth (follow one item, probe, worker).")
  List<String> where = new ArrayList<>();

  @Option(
      names = "--follow",
      paramLabel = "ENTITY",
      description =
          "One entity's story: records at it, from it, and whose fields hold its id (kworker/u:3, cpu2).")
  String follow;

  @Option(
      names = "--from",
      paramLabel = "TIME",
      description = "From this virtual time (e.g. 300s).")
  String from;

  @Option(names = "--to", paramLabel = "TIME", description = "Up to this virtual time, inclusive.")
  String to;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Print at most N records (default: ${DEFAULT-VALUE}; 0: no limit).")
  long limit;

  @Option(names = "--summary", description = "Counts by kind, type and entity instead of records.")
  boolean summary;

  @Option(names = "--json", description = "Print matching records as JSON Lines (for jq).")
  boolean json;

  @Option(
      names = "--chrome",
      paramLabel = "OUT",
      description =
          "Write matching records as Chrome Trace Event JSON for ui.perfetto.dev: CPU, kworker and"
              + " pool tracks, slices, flow arrows for messages, counters.")
  Path chrome;

  @Option(
      names = "--ftrace",
      paramLabel = "OUT.dat",
      description =
          "Write matching records as a trace-cmd trace.dat (one buffer per CPU; sched_switch,"
              + " sched_waking/wakeup, workqueue_* and kprobe events) for 'trace-cmd report' and"
              + " KernelShark.")
  Path ftrace;

  @Option(
      names = "--html",
      paramLabel = "OUT",
      description =
          "Write matching records as a self-contained HTML sequence diagram, opening at the first"
              + " violation (at most --limit records; by default 100000 for --html).")
  Path html;

  @Option(
      names = "--shiviz",
      paramLabel = "OUT.log",
      description =
          "Write matching records as a ShiViz log (vector clocks, with the parsing regex on its"
              + " first line) to explore the happened-before graph.")
  Path shiviz;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** How many records an HTML page holds unless --limit says otherwise (it stays interactive). */
  static final long HTML_ROWS = 100_000;

  @Override
  public Integer call() {
    Signals.graceful();
    for (String k : kinds) {
      if (!List.of("msg", "note", "violation").contains(k))
        throw new BadInputException(
            "--kind " + Quote.value(k) + ": expected msg, note or violation");
    }
    if (limit < 0) throw new BadInputException("--limit " + limit + ": must be >= 0 (0: no limit)");
    long fromNanos = time("--from", from, 0);
    long toNanos = time("--to", to, Long.MAX_VALUE);
    if (fromNanos > toNanos)
      throw new BadInputException(
          "--from "
              + Quote.value(from)
              + " is after --to "
              + Quote.value(to)
              + ": nothing to show");
    List<Pattern> typePatterns = types.stream().map(TraceQuery::glob).toList();
    if (!Files.isRegularFile(file))
      throw new BadInputException(
          "trace "
              + Quote.path(file)
              + (Files.exists(file) ? ": not a regular file" : ": no such file"));
    int followId = -1;
    JsonNode head = TraceFile.header(file);
    boolean named = head != null && head.has("naming");
    if (follow != null) {
      followId = TraceFile.entityId(head, follow);
      // a work item or a probe is known only by the records that name it (checked at the end)
      if (followId < 0 && !named)
        throw new BadInputException(
            "--follow " + Quote.value(follow) + ": no such entity in " + Quote.path(file));
    }
    checkEntities("--at", at, head);
    checkEntities("--involving", involving, head);
    TraceQuery q =
        new TraceQuery(
            at,
            involving,
            typePatterns,
            kinds,
            fromNanos,
            toNanos,
            TraceQuery.parseWhere(where),
            follow,
            followId,
            named);
    OutputFiles.check("--chrome", chrome);
    OutputFiles.check("--ftrace", ftrace);
    OutputFiles.check("--html", html);
    OutputFiles.check("--shiviz", shiviz);
    TraceExports.HtmlWindow window = null;
    if (html != null) {
      boolean given =
          spec != null && spec.commandLine().getParseResult().hasMatchedOption("--limit");
      long max = !given ? HTML_ROWS : limit == 0 ? Long.MAX_VALUE : limit;
      window = TraceExports.htmlWindow(file, q, max);
    }
    String title =
        "kernsim trace "
            + file.getFileName()
            + ": scenario "
            + head.path("scenario").asText()
            + ", seed "
            + head.path("seed").asText();

    long[] seen = {0};
    long[] matched = {0};
    Map<String, Long> byKind = new TreeMap<>();
    Map<String, Long> byType = new TreeMap<>();
    Map<String, Long> byEntity = new TreeMap<>();
    try (TraceExports exports =
            new TraceExports(head, chrome, ftrace, shiviz, html, window, title);
        TraceExports.Progress progress =
            chrome != null || ftrace != null || html != null || shiviz != null
                ? TraceExports.progress("reading " + file.getFileName())
                : null) {
      TraceExports out = exports.any() ? exports : null;
      TraceFile.Scan scan =
          TraceFile.scan(
              file,
              l -> {
                StopRequest.check(); // SIGINT: stop reading; an export is not written
                seen[0]++;
                boolean shown = q.matches(l);
                if (out != null) out.add(l, shown);
                if (!shown) return;
                matched[0]++;
                if (summary) {
                  byKind.merge(l.kind(), 1L, Long::sum);
                  byType.merge(l.kind() + " " + l.type(), 1L, Long::sum);
                  byEntity.merge(l.at(), 1L, Long::sum);
                } else if (out == null && (limit == 0 || matched[0] <= limit)) {
                  System.out.println(json ? l.json().toString() : human(l));
                }
              },
              progress);
      JsonNode header = scan.header();
      if (follow != null && followId < 0 && matched[0] == 0)
        throw new BadInputException(
            "--follow "
                + Quote.value(follow)
                + ": no entity, work item or probe of that name in "
                + Quote.path(file));
      if (scan.truncated() != null) System.err.println("warning: " + scan.warning(file));
      if (summary) {
        System.out.println(
            "scenario "
                + header.path("scenario").asText()
                + ", seed "
                + header.path("seed").asText());
        System.out.println("replay: " + header.path("replay").asText());
        print("by kind", byKind);
        print("by type", byType);
        print("by entity", byEntity);
      }
      if (!json) {
        System.err.printf(
            "%d of %d records matched%s%n",
            matched[0],
            seen[0],
            !summary && out == null && limit > 0 && matched[0] > limit
                ? " (" + limit + " shown; --limit 0 for all)"
                : "");
      }
      for (String w : exports.finish()) System.err.println(w);
    }
    return ExitCodes.OK;
  }

  /** Entity names must be the trace's (its header lists them); a typo matches nothing silently. */
  private void checkEntities(String flag, List<String> names, JsonNode head) {
    JsonNode known = head == null ? null : head.get("entities");
    if (known == null || !known.isArray()) return;
    java.util.Set<String> all = new java.util.HashSet<>();
    known.forEach(n -> all.add(n.asText()));
    for (String n : names) {
      if (!all.contains(n))
        throw new BadInputException(
            flag
                + " "
                + Quote.value(n)
                + ": no such entity in "
                + Quote.path(file)
                + " ('kernsim trace FILE --summary' lists them by entity)");
    }
  }

  private static void print(String title, Map<String, Long> counts) {
    System.out.println(title + ":");
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(40)
        .forEach(e -> System.out.printf("  %10d  %s%n", e.getValue(), e.getKey()));
  }

  private static String human(TraceFile.Line l) {
    String where = l.src() != null ? l.src() + " -> " + l.at() : l.at();
    String rest =
        l.kind().equals("violation")
            ? l.json().path("message").asText()
            : TraceFile.fieldsText(l.json());
    return String.format(
        "%18s  %-28s %-9s %-24s %s", Durations.pretty(l.time()), where, l.kind(), l.type(), rest);
  }

  private static long time(String flag, String v, long dflt) {
    if (v == null) return dflt;
    try {
      return Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          flag + " " + Quote.value(v) + ": expected a virtual time such as 300s or 12.5ms");
    }
  }
}
