package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of unusual but realistic inputs, one row each: the exit code, what the one-line message
 * must name, and — for every row — no stack trace, no raw control character, no line longer than
 * {@value #LONGEST} characters, and no file written. Classes: scenario files, {@code --set} and
 * {@code --vary}, an unknown name in each name-taking flag, ranges that overflow, output paths that
 * cannot be written, addresses, trace files and trace options.
 */
class BadInputCorpusTest {

  static final int LONGEST = 400;

  @TempDir static Path dir;

  /** Where output rows point; it holds only the fixtures below, before and after every row. */
  static Path out;

  @BeforeAll
  static void fixtures() throws Exception {
    out = Files.createDirectory(dir.resolve("out"));
    Files.createDirectory(out.resolve("adir"));
    Files.writeString(out.resolve("target.txt"), "keep me\n");
    Files.createSymbolicLink(out.resolve("link.jsonl"), out.resolve("target.txt"));
    Process fifo = new ProcessBuilder("mkfifo", out.resolve("fifo").toString()).start();
    assertEquals(0, fifo.waitFor(), "mkfifo");

    byte[] binary =
        "scenario.model = phold\nphold.entities = \"\u0001\u0002\u001b[31mred\u007f\"\n"
            .getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("binary.conf"), binary);
    byte[] invalid = {
      's',
      'c',
      'e',
      'n',
      'a',
      'r',
      'i',
      'o',
      '.',
      'm',
      'o',
      'd',
      'e',
      'l',
      ' ',
      '=',
      ' ',
      'p',
      'h',
      'o',
      'l',
      'd',
      '\n',
      'p',
      'h',
      'o',
      'l',
      'd',
      '.',
      (byte) 0xff,
      (byte) 0xfe,
      ' ',
      '=',
      ' ',
      '1',
      '\n'
    };
    Files.write(dir.resolve("invalid-utf8.conf"), invalid);
    Files.writeString(
        dir.resolve("include.conf"),
        "scenario.model = phold\ninclude required(\"missing.conf\")\nphold.entities = 4\n");
    Files.writeString(
        dir.resolve("numa.conf"),
        "scenario.model = machine\nmachine.cpus = 4\nmachine.numa-nodes = 8\n");
    Files.writeString(
        dir.resolve("long-key.conf"), "scenario.model = phold\n" + "k".repeat(5000) + " = 1\n");

    CliTest.Out t =
        CliTest.cli(
            "run",
            "phold",
            "--set",
            "phold.entities=4",
            "--set",
            "phold.ttl=2",
            "--trace",
            dir.resolve("t.jsonl").toString());
    assertEquals(ExitCodes.OK, t.code(), t.err());
  }

  record Case(String name, int code, List<String> args, List<String> mentions) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case bad(String name, String args, String... mentions) {
    return new Case(name, ExitCodes.BAD_INPUT, split(args), List.of(mentions));
  }

  /** Space-separated, with {dir}, {out} and {trace} replaced; an argument may not hold spaces. */
  static List<String> split(String args) {
    List<String> l = new ArrayList<>();
    for (String a : args.split(" ")) l.add(a);
    return l;
  }

  static Case badArgs(String name, List<String> args, String... mentions) {
    return new Case(name, ExitCodes.BAD_INPUT, args, List.of(mentions));
  }

  static Stream<Case> corpus() {
    String huge = "x".repeat(200_000);
    return Stream.of(
        // scenario files
        bad("missing file", "run {dir}/nope.conf", "nope.conf", "not found"),
        bad("directory as scenario", "run {dir}", "not a regular file"),
        bad("binary bytes", "run {dir}/binary.conf", "binary.conf", "line 2", "control character"),
        bad("invalid UTF-8", "run {dir}/invalid-utf8.conf", "invalid-utf8.conf", "line 2"),
        bad(
            "include of a missing file",
            "run {dir}/include.conf",
            "include.conf, line 2",
            "missing.conf",
            "no such file"),
        bad("a 5000-character key", "run {dir}/long-key.conf", "unknown key", "5000 characters"),
        bad(
            "numa-nodes above cpus in a file",
            "run {dir}/numa.conf",
            "numa.conf, line 3",
            "machine.numa-nodes = 8 is more than machine.cpus = 4"),
        // --set and --vary
        badArgs(
            "a 200 KB --set value",
            List.of("run", "phold", "--set", "phold.entities=" + huge),
            "--set phold.entities",
            "200000 characters"),
        badArgs(
            "control characters in --set",
            List.of("run", "phold", "--set", "phold.entities=\u0007\u001b[2J"),
            "\\x07\\x1b[2J"),
        bad(
            "numa-nodes above cpus by --set",
            "run machine-stop --set machine.cpus=4 --set machine.numa-nodes=64",
            "--set machine.numa-nodes=64",
            "is more than machine.cpus = 4"),
        bad(
            "an integer beyond 64 bits",
            "run phold --set phold.ttl=1e30",
            "phold.ttl",
            "out of range"),
        bad(
            "--vary's bad value",
            "compare phold --vary phold.entities=2,lots",
            "--vary phold.entities=lots",
            "integer"),
        bad(
            "--vary's unknown key",
            "compare phold --vary phold.entites=2,3",
            "--vary phold.entites"),
        bad("--vary's repeated value", "compare phold --vary phold.entities=2,2", "given twice"),
        // an unknown name in each name-taking flag
        bad("unknown scenario", "run nosuchscenario", "nosuchscenario", "kernsim scenarios"),
        bad("unknown model", "settings nosuchmodel", "nosuchmodel"),
        bad("unknown benchmark", "bench nosuchbench", "nosuchbench"),
        bad("unknown key", "run phold --set nonsense.key=1", "nonsense.key", "unknown key"),
        bad("unknown driver", "run phold --driver warp", "--driver warp"),
        bad(
            "unknown --timeline-of checker",
            "run workqueue-kick-cull --timeline-of NoSuchChecker",
            "--timeline-of NoSuchChecker",
            "NoStrandedWork"),
        bad(
            "unknown --metrics metric",
            "compare phold --vary phold.population=2,4 --set phold.entities=4 --set phold.ttl=2 --metrics nosuchmetric",
            "--metrics nosuchmetric",
            "expectedEvents"),
        bad("unknown --kind", "trace {trace} --kind bogus", "--kind bogus"),
        bad("unknown --at entity", "trace {trace} --at lp99", "--at lp99", "no such entity"),
        bad("unknown --involving entity", "trace {trace} --involving nobody", "--involving nobody"),
        bad("unknown --follow entity", "trace {trace} --follow nobody", "--follow nobody"),
        // ranges: no overflow, no silent acceptance
        bad("seed beyond 64 bits", "run phold --seed 18446744073709551616", "18446744073709551616"),
        bad("--until beyond 292 years", "run phold --until 9999999999h", "--until 9999999999h"),
        bad("--threads 0", "run phold --threads 0", "--threads 0"),
        bad("--threads beyond a JVM", "run phold --threads 100000", "--threads 100000", "1..1024"),
        bad("--cluster-nodes unbounded", "run phold --cluster-nodes 1000", "at most 32"),
        bad("bench --cluster-nodes unbounded", "bench phold --cluster-nodes 999", "at most 32"),
        bad(
            "--shrink-budget negative",
            "explore phold --seeds 1..2 --shrink-budget -1",
            "--shrink-budget -1"),
        bad("--seeds reversed", "explore phold --seeds 9..3", "--seeds 9..3"),
        bad(
            "--swarm without a fault plan",
            "explore phold --seeds 1..2 --swarm",
            "--swarm: the scenario's fault plan is empty"),
        bad(
            "--swarm with --fork-at",
            "explore phold --seeds 1..2 --swarm --fork-at 1ms --set faults.drop.probability=0.1",
            "--swarm: not with --fork-at"),
        bad(
            "--explore --cluster-nodes unbounded",
            "explore phold --seeds 1..2 --cluster-nodes 99",
            "at most 32"),
        bad("trace --limit negative", "trace {trace} --limit -1", "--limit -1"),
        bad(
            "trace --from after --to",
            "trace {trace} --from 2s --to 1s",
            "--from 2s is after --to 1s"),
        bad(
            "trace --from beyond 292 years",
            "trace {trace} --from 9999999999h",
            "--from 9999999999h"),
        // outputs that cannot be written
        bad(
            "--trace in a missing directory",
            "run phold --trace {out}/no/such/t.jsonl",
            "does not exist"),
        bad("--trace onto a directory", "run phold --trace {out}/adir", "is a directory"),
        bad("--trace onto a symbolic link", "run phold --trace {out}/link.jsonl", "symbolic link"),
        bad("--trace onto a FIFO", "run phold --trace {out}/fifo", "not a regular file"),
        bad("--report onto a directory", "run phold --report {out}/adir", "--report", "directory"),
        bad(
            "compare --report onto a FIFO",
            "compare phold --vary phold.population=2,4 --report {out}/fifo",
            "--report",
            "not a regular file"),
        bad("trace --chrome onto a directory", "trace {trace} --chrome {out}/adir", "--chrome"),
        bad("trace --html onto a link", "trace {trace} --html {out}/link.jsonl", "--html", "link"),
        // addresses and trace files
        bad("--join without a port", "run phold --join nohost", "--join nohost", "HOST:PORT"),
        bad("--join with a port beyond 65535", "run phold --join 127.0.0.1:99999", "99999"),
        bad("node --port beyond 65535", "node --port 70000", "--port 70000"),
        bad("a trace that is not one", "trace {dir}/binary.conf", "binary.conf", "line 1"),
        bad("a missing trace", "trace {dir}/nope.jsonl", "nope.jsonl", "no such file"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void oneLineNamingWhatAndWhere(Case c) throws IOException {
    TreeSet<String> before = listing(out);
    List<String> args = new ArrayList<>();
    for (String a : c.args())
      args.add(
          a.replace("{trace}", dir.resolve("t.jsonl").toString())
              .replace("{out}", out.toString())
              .replace("{dir}", dir.toString()));
    CliTest.Out o = CliTest.cli(args.toArray(String[]::new));
    assertEquals(c.code(), o.code(), "stderr: " + o.err());
    List<String> lines = o.err().lines().filter(l -> !l.isBlank()).toList();
    assertTrue(lines.size() >= 1 && lines.size() <= 2, "expected 1-2 lines, got: " + o.err());
    assertFalse(
        o.err().contains("Exception") || o.err().contains("\tat "), "stack trace: " + o.err());
    for (String l : lines) {
      assertTrue(l.length() <= LONGEST, "a line of " + l.length() + " characters: " + l);
      assertTrue(
          l.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f || ch == 0xfffd),
          "a raw control character: " + l);
    }
    for (String m : c.mentions()) assertTrue(o.err().contains(m), "'" + m + "' not in: " + o.err());
    assertEquals(before, listing(out), "a file was written or removed");
    assertEquals("keep me\n", Files.readString(out.resolve("target.txt")));
    assertTrue(Files.isSymbolicLink(out.resolve("link.jsonl")));
  }

  /** The edges of the ranges are accepted, not only refused past them. */
  @org.junit.jupiter.api.Test
  void theEdgesOfTheRangesAreAccepted() {
    CliTest.Out o =
        CliTest.cli(
            "run",
            "phold",
            "--seed",
            "18446744073709551615",
            "--set",
            "phold.entities=2",
            "--set",
            "phold.ttl=1",
            "--until",
            "2562047h"); // 292 years, the longest virtual time

    assertEquals(ExitCodes.OK, o.code(), o.err());
    assertTrue(o.out().contains("seed 18446744073709551615"), o.out());
    // a negative seed is the same 64 bits
    CliTest.Out neg =
        CliTest.cli(
            "run", "phold", "--seed", "-1", "--set", "phold.entities=2", "--set", "phold.ttl=1");
    assertEquals(ExitCodes.OK, neg.code(), neg.err());
    assertTrue(neg.out().contains("seed 18446744073709551615"), neg.out());
    CliTest.Out all =
        CliTest.cli(
            "trace",
            dir.resolve("t.jsonl").toString(),
            "--limit",
            "9223372036854775807",
            "--from",
            "0ns");
    assertEquals(ExitCodes.OK, all.code(), all.err());
  }

  static TreeSet<String> listing(Path d) throws IOException {
    try (Stream<Path> s = Files.walk(d)) {
      TreeSet<String> t = new TreeSet<>();
      s.forEach(p -> t.add(d.relativize(p).toString()));
      return t;
    }
  }
}
