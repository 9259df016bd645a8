package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;

/**
 * The admin task's script ({@code kprobes.script}): what a user (a module, perf, a shell with
 * debugfs and sysctl) does with kprobes while the workload runs. Steps are separated by {@code ;}
 * or new lines:
 *
 * <pre>
 *   register NAME...         register_kprobe(), or register_kprobes() for several ("all": the kprobes.probes probes;
 *                            "pA..pB": the bulk probes A to B, both included; "all:K/N": the K-th of N equal
 *                            slices of them, a wave; any step that takes names takes these)
 *   unregister NAME...       one unregister_kprobes() call for all of them
 *   enable NAME | disable NAME | kill NAME   enable_kprobe, disable_kprobe, module unload
 *   sysctl-optimization 0|1  write debug.kprobes-optimization
 *   debugfs-enabled 0|1      write /sys/kernel/debug/kprobes/enabled
 *   wait DURATION            sleep (e.g. 30ms)
 *   audit                    end-of-run audit of the probe table (metrics audit*)
 * </pre>
 */
final class Script {

  enum Kind {
    REGISTER,
    UNREGISTER,
    ENABLE,
    DISABLE,
    KILL,
    SYSCTL_OPTIMIZATION,
    DEBUGFS_ENABLED,
    WAIT,
    AUDIT
  }

  /** One step; {@code probes} are probe ids, {@code value} a 0/1 or a duration in ns. */
  record Step(Kind kind, List<Integer> probes, long value, String text) {}

  private Script() {}

  /**
   * Parses {@code text}; {@code names} maps probe names to ids, {@code all} are the bulk probes.
   */
  static List<Step> parse(String text, Map<String, Integer> names, List<Integer> all) {
    List<Step> out = new ArrayList<>();
    for (String raw : text.split("[;\\n]")) {
      String line = raw.trim();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] w = line.split("\\s+");
      String verb = w[0].toLowerCase(Locale.ROOT);
      switch (verb) {
        case "register", "unregister" -> {
          List<Integer> ids = new ArrayList<>();
          if (w.length < 2) throw bad(line, "expected at least one probe name (or 'all')");
          for (int i = 1; i < w.length; i++) ids.addAll(resolve(w[i], names, all, line));
          out.add(
              new Step(
                  verb.equals("register") ? Kind.REGISTER : Kind.UNREGISTER,
                  List.copyOf(ids),
                  0,
                  line));
        }
        case "enable", "disable", "kill" -> {
          if (w.length != 2) throw bad(line, "expected one probe name");
          Kind k =
              verb.equals("enable")
                  ? Kind.ENABLE
                  : verb.equals("disable") ? Kind.DISABLE : Kind.KILL;
          for (int id : resolve(w[1], names, all, line))
            out.add(new Step(k, List.of(id), 0, verb + " " + w[1]));
        }
        case "sysctl-optimization", "debugfs-enabled" -> {
          if (w.length != 2 || !(w[1].equals("0") || w[1].equals("1")))
            throw bad(line, "expected 0 or 1");
          out.add(
              new Step(
                  verb.startsWith("sysctl") ? Kind.SYSCTL_OPTIMIZATION : Kind.DEBUGFS_ENABLED,
                  List.of(),
                  Long.parseLong(w[1]),
                  line));
        }
        case "wait" -> {
          if (w.length != 2) throw bad(line, "expected a duration such as 30ms");
          long ns;
          try {
            ns = Durations.parse(w[1]);
          } catch (IllegalArgumentException e) {
            throw bad(line, e.getMessage());
          }
          out.add(new Step(Kind.WAIT, List.of(), ns, line));
        }
        case "audit" -> out.add(new Step(Kind.AUDIT, List.of(), 0, line));
        default ->
            throw bad(
                line,
                "unknown step '"
                    + w[0]
                    + "' (register, unregister, enable, disable, kill, "
                    + "sysctl-optimization, debugfs-enabled, wait, audit)");
      }
    }
    return List.copyOf(out);
  }

  private static List<Integer> resolve(
      String name, Map<String, Integer> names, List<Integer> all, String line) {
    if (name.equals("all")) return all;
    java.util.regex.Matcher part = PART.matcher(name);
    if (part.matches()) {
      long k = Long.parseLong(part.group(1));
      long n = Long.parseLong(part.group(2));
      if (n < 1 || k < 1 || k > n) throw bad(line, "'" + name + "': all:K/N needs 1 <= K <= N");
      // slice K of N equal slices (their sizes differ by at most one)
      int size = all.size();
      int from = (int) ((k - 1) * size / n);
      int to = (int) (k * size / n);
      return all.subList(from, to);
    }
    java.util.regex.Matcher range = RANGE.matcher(name);
    if (range.matches()) {
      long from = Long.parseLong(range.group(1));
      long to = Long.parseLong(range.group(2));
      if (from > to) throw bad(line, "empty range '" + name + "' (pA..pB needs A <= B)");
      if (!names.containsKey("p" + to))
        throw bad(
            line,
            "range '" + name + "' goes beyond the bulk probes (p0..p" + (all.size() - 1) + ")");
      List<Integer> ids = new ArrayList<>((int) (to - from + 1));
      for (long i = from; i <= to; i++) ids.add(names.get("p" + i));
      return ids;
    }
    Integer id = names.get(name);
    if (id == null) {
      List<String> known = new ArrayList<>(names.keySet());
      String list =
          known.size() <= 12
              ? String.join(", ", known)
              : String.join(", ", known.subList(0, 12)) + ", ...";
      throw bad(
          line,
          "unknown probe '" + name + "' (probes: all" + (known.isEmpty() ? "" : ", " + list) + ")");
    }
    return List.of(id);
  }

  /** {@code all:K/N}: the K-th of N equal slices of the bulk probes (a wave). */
  private static final java.util.regex.Pattern PART =
      java.util.regex.Pattern.compile("all:(\\d{1,9})/(\\d{1,9})");

  /** {@code pA..pB}: the bulk probes A to B, both included. */
  private static final java.util.regex.Pattern RANGE =
      java.util.regex.Pattern.compile("p(\\d{1,9})\\.\\.p(\\d{1,9})");

  private static BadInputException bad(String line, String why) {
    return new BadInputException("kprobes.script, step '" + line + "': " + why);
  }

  /**
   * Parses {@code kprobes.extra-probes}: {@code NAME@ADDR[/SIZE][!]}, comma separated; SIZE is the
   * optinsn.size there (default {@code defaultSize}), {@code !} marks an address that cannot be
   * optimised.
   */
  static Map<String, int[]> parseExtra(String text, int defaultSize) {
    Map<String, int[]> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) return out;
    for (String raw : text.split(",")) {
      String s = raw.trim();
      if (s.isEmpty()) continue;
      boolean noOpt = false;
      boolean ftrace = false;
      while (s.endsWith("!") || s.endsWith("^")) {
        if (s.endsWith("!")) noOpt = true;
        else ftrace = true;
        s = s.substring(0, s.length() - 1);
      }
      int at = s.indexOf('@');
      if (at <= 0)
        throw new BadInputException(
            "kprobes.extra-probes: '" + raw.trim() + "': expected NAME@ADDR[/SIZE][!][^]");
      String name = s.substring(0, at);
      String rest = s.substring(at + 1);
      int size = defaultSize;
      int slash = rest.indexOf('/');
      try {
        if (slash >= 0) {
          size = Integer.parseInt(rest.substring(slash + 1));
          rest = rest.substring(0, slash);
        }
        int addr = Integer.parseInt(rest);
        if (addr < 0 || size < 5 || size > 16) throw new NumberFormatException();
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")
            || name.equals("all")
            || name.matches("p[0-9]+")) {
          throw new BadInputException(
              "kprobes.extra-probes: bad probe name '"
                  + name
                  + "' (letters, digits, _; not 'all' or pN)");
        }
        if (out.put(name, new int[] {addr, size, noOpt || ftrace ? 0 : 1, ftrace ? 1 : 0})
            != null) {
          throw new BadInputException("kprobes.extra-probes: probe '" + name + "' defined twice");
        }
      } catch (NumberFormatException e) {
        throw new BadInputException(
            "kprobes.extra-probes: '" + raw.trim() + "': address must be >= 0 and size in [5, 16]");
      }
    }
    return out;
  }
}
