package org.kernsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.chrome.ChromeTrace;
import org.kernsim.trace.ftrace.FtraceExport;
import org.kernsim.trace.html.SequenceDiagram;
import org.kernsim.trace.shiviz.ShiVizLog;

/**
 * The exports of one {@code kernsim trace} command, fed every record of the file in one streaming
 * pass (each with whether it matched the filters): Chrome Trace Event JSON, a trace-cmd {@code
 * trace.dat}, a ShiViz log, an HTML sequence diagram (of a window of the matching records: around
 * the first matching violation, found by a first pass, else from the first). Files appear under
 * their names only when complete; a failed export leaves none.
 */
final class TraceExports implements AutoCloseable {
  private final List<String> wrote = new ArrayList<>();
  private ChromeTrace chrome;
  private FtraceExport ftrace;
  private ShiVizLog shiviz;
  private SequenceDiagram html;
  private Path chromePath;
  private Path ftracePath;
  private Path shivizPath;
  private Path htmlPath;
  private HtmlWindow window;
  private long matched;
  private boolean done;

  /** The matching records an HTML page shows: {@code count} from the {@code start}-th. */
  record HtmlWindow(long start, long count, long total, boolean violation) {
    long left() {
      return total - Math.min(count, Math.max(0, total - start));
    }
  }

  /**
   * A first pass over the file: how many records match, and where the first matching violation is;
   * the page holds at most {@code max} of them, centred on that violation if there is one.
   */
  static HtmlWindow htmlWindow(Path file, org.kernsim.trace.TraceQuery q, long max) {
    long[] total = {0};
    long[] violation = {-1};
    TraceFile.read(
        file,
        l -> {
          if (!q.matches(l)) return;
          if (violation[0] < 0 && l.kind().equals("violation")) violation[0] = total[0];
          total[0]++;
        });
    long start = 0;
    if (violation[0] >= 0 && total[0] > max)
      start = Math.max(0, Math.min(violation[0] - max / 2, total[0] - max));
    return new HtmlWindow(start, max, total[0], violation[0] >= 0);
  }

  TraceExports(JsonNode header, Path chromePath, Path ftracePath) {
    this(header, chromePath, ftracePath, null, null, null, null);
  }

  TraceExports(
      JsonNode header,
      Path chromePath,
      Path ftracePath,
      Path shivizPath,
      Path htmlPath,
      HtmlWindow window,
      String title) {
    try {
      if (shivizPath != null) {
        this.shiviz = new ShiVizLog(shivizPath, header);
        this.shivizPath = shivizPath;
      }
      if (htmlPath != null) {
        this.html = new SequenceDiagram(htmlPath, title, window.left());
        this.htmlPath = htmlPath;
        this.window = window;
      }
      if (chromePath != null) {
        this.chrome = new ChromeTrace(chromePath, header);
        this.chromePath = chromePath;
      }
      if (ftracePath != null) {
        this.ftrace = new FtraceExport(ftracePath, header);
        this.ftracePath = ftracePath;
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  boolean any() {
    return chrome != null || ftrace != null || shiviz != null || html != null;
  }

  void add(TraceFile.Line l, boolean shown) {
    if (chrome != null) chrome.add(l, shown);
    if (ftrace != null) ftrace.add(l, shown);
    if (shiviz != null) shiviz.add(l, shown);
    if (html != null && shown) {
      if (matched >= window.start() && matched - window.start() < window.count()) html.add(l);
      matched++;
    }
  }

  /** Completes every export and returns one line per file written. */
  List<String> finish() {
    if (chrome != null) {
      chrome.close();
      wrote.add(
          "wrote "
              + chromePath
              + " ("
              + chrome.slices()
              + " slices, "
              + chrome.flows()
              + " flow arrows, "
              + chrome.counters()
              + " counter samples; open it in ui.perfetto.dev)");
      chrome = null;
    }
    if (ftrace != null) {
      ftrace.close();
      wrote.add(
          "wrote "
              + ftracePath
              + " ("
              + ftrace.events()
              + " events; read it with 'trace-cmd report "
              + ftracePath
              + "' or KernelShark)");
      ftrace = null;
    }
    if (shiviz != null) {
      shiviz.close();
      wrote.add(
          "wrote "
              + shivizPath
              + " ("
              + shiviz.events()
              + " events, "
              + shiviz.edges()
              + " messages; upload it at bestchai.bitbucket.io/shiviz)");
      shiviz = null;
    }
    if (html != null) {
      html.close();
      wrote.add(
          "wrote "
              + htmlPath
              + " ("
              + html.rows()
              + " records, "
              + html.arrows()
              + " arrows"
              + (window.left() > 0
                  ? "; " + window.left() + " matching records left out: --limit, --from/--to"
                  : "")
              + (window.violation() ? "; opens at the first violation" : "")
              + ")");
      html = null;
    }
    done = true;
    return wrote;
  }

  /** Leaves no file behind unless {@link #finish} completed. */
  @Override
  public void close() {
    if (done) return;
    if (chrome != null) chrome.discard();
    if (ftrace != null) ftrace.discard();
    if (shiviz != null) shiviz.discard();
    if (html != null) html.discard();
    chrome = null;
    ftrace = null;
    shiviz = null;
    html = null;
  }

  /**
   * A progress bar on stderr following the bytes read of a trace file, or null when stderr is not a
   * terminal (the wall clock only paces the display).
   */
  static Progress progress(String task) {
    return System.console() == null ? null : new Progress(task);
  }

  static final class Progress implements TraceFile.ProgressListener, AutoCloseable {
    private final String task;
    private ProgressBar bar;

    Progress(String task) {
      this.task = task;
    }

    @Override
    public void progress(long bytesRead, long totalBytes) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(1, totalBytes >> 20))
                .setUnit(" MiB", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
      }
      bar.stepTo(bytesRead >> 20);
    }

    @Override
    public void close() {
      if (bar != null) bar.close();
    }
  }
}
