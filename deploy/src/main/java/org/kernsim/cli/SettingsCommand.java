package org.kernsim.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Quote;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;
import org.kernsim.scenario.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kernsim settings}: every key a scenario takes, as the loader checks it ({@link
 * Scenarios#accepted}): the keys of every scenario (group {@code scenario}), then each model's; or
 * one scenario's effective values.
 */
@Command(
    name = "settings",
    mixinStandardHelpOptions = true,
    description = {
      "List every key a scenario takes (in its file or with --set): key, type and range, default,"
          + " meaning; group 'scenario' (scenario.*, the message fault plan, the liveness phase)"
          + " applies to every model, then each model's own keys.",
      "With a MODEL: the keys of that model's scenarios. With a SCENARIO (a built-in name or a"
          + " file): its effective value of every key, and the default where it differs.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input (an unknown model or scenario, a bad"
          + " --set)."
    })
final class SettingsCommand implements Callable<Integer> {
  static final String COMMON_GROUP = "scenario";
  static final String COMMON_DESCRIPTION =
      "keys every scenario takes, whatever its model (scenario.*, the message fault plan, the"
          + " liveness phase)";

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODEL|SCENARIO",
      description =
          "A model name, or a scenario (built-in name or file) to show its values; all models if"
              + " omitted.")
  String name;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "With a SCENARIO: override a setting first (repeatable), as run does.")
  List<String> sets = new ArrayList<>();

  @Override
  public Integer call() {
    if (name != null && Models.find(name) == null) {
      if (!new File(name).exists() && !Scenarios.builtins().contains(name)) {
        throw new BadInputException(
            "unknown model or scenario '"
                + Quote.value(name)
                + "' (models: "
                + String.join(", ", Models.names())
                + "; 'kernsim scenarios' lists the built-in scenarios)");
      }
      return scenario(Models.load(name, sets));
    }
    if (!sets.isEmpty())
      throw new BadInputException(
          "--set " + Quote.value(sets.get(0)) + ": only with a SCENARIO (its values are shown)");
    List<Group> groups = new ArrayList<>();
    List<Setting> common = Scenarios.common();
    groups.add(new Group(COMMON_GROUP, COMMON_DESCRIPTION, common));
    for (ModelFactory m : Models.all()) {
      if (name != null && !m.name().equals(name)) continue;
      groups.add(new Group(m.name(), m.description(), own(m, common)));
    }
    if (json) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Group g : groups) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("group", g.name());
        o.put("description", g.description());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Setting s : g.settings()) rows.add(describe(s));
        o.put("settings", rows);
        out.add(o);
      }
      System.out.println(Json.write(Map.of("groups", out)));
      return ExitCodes.OK;
    }
    for (Group g : groups) {
      System.out.println(g.name() + ": " + g.description());
      for (Setting s : g.settings()) {
        System.out.printf(
            "  %-34s %-40s default %s%n      %s%n",
            s.key(), s.expected(), s.display(s.defaultValue()), s.description());
      }
    }
    return ExitCodes.OK;
  }

  private record Group(String name, String description, List<Setting> settings) {}

  /**
   * The keys a model adds to the common ones: those of {@link Scenarios#accepted} that are not a
   * common setting as it is (a model's own definition of a common key is listed with the model).
   */
  static List<Setting> own(ModelFactory m, List<Setting> common) {
    Set<Setting> shared = new HashSet<>(common); // records: equal when every field is
    List<Setting> out = new ArrayList<>();
    for (Setting s : Scenarios.accepted(m)) if (!shared.contains(s)) out.add(s);
    return out;
  }

  /** A scenario's effective values, grouped as the listing, with the default beside each. */
  private int scenario(Scenario sc) {
    List<Setting> common = Scenarios.common();
    List<Setting> own = own(sc.model(), common);
    Set<Setting> owned = new HashSet<>(own);
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("scenario", sc.name());
      o.put("source", sc.source());
      o.put("model", sc.model().name());
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Setting s : Scenarios.accepted(sc.model())) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("group", owned.contains(s) ? sc.model().name() : COMMON_GROUP);
        row.put("key", s.key());
        Object value = s.display(sc.settings().value(s.key()));
        Object def = s.display(s.defaultValue());
        row.put("value", value);
        row.put("isDefault", String.valueOf(value).equals(String.valueOf(def)));
        row.putAll(describe(s));
        rows.add(row);
      }
      o.put("settings", rows);
      System.out.println(Json.write(o));
      return ExitCodes.OK;
    }
    System.out.println(
        sc.name() + " (" + sc.source() + "), model " + sc.model().name() + ": effective values");
    List<Setting> shown = new ArrayList<>();
    for (Setting s : Scenarios.accepted(sc.model())) if (!owned.contains(s)) shown.add(s);
    printValues(sc, COMMON_GROUP + ": " + COMMON_DESCRIPTION, shown);
    printValues(sc, sc.model().name() + ": " + sc.model().description(), own);
    return ExitCodes.OK;
  }

  private static void printValues(Scenario sc, String title, List<Setting> settings) {
    System.out.println(title);
    for (Setting s : settings) {
      String value = String.valueOf(s.display(sc.settings().value(s.key())));
      String def = String.valueOf(s.display(s.defaultValue()));
      System.out.printf(
          "  %-34s %s%s%n",
          s.key(), shown(value), value.equals(def) ? "" : "   (default " + shown(def) + ")");
    }
  }

  private static String shown(String value) {
    return value.isEmpty() ? "''" : value;
  }

  /** One setting as JSON: key, type, range or choices, default, meaning. */
  static Map<String, Object> describe(Setting s) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("key", s.key());
    o.put("type", type(s));
    o.put("expected", s.expected());
    if (s instanceof Setting.IntSetting i) {
      o.put("min", i.min());
      if (i.max() != Long.MAX_VALUE) o.put("max", i.max());
      if (i.atMost() != null) o.put("atMost", i.atMost());
    } else if (s instanceof Setting.DoubleSetting d) {
      o.put("min", d.min());
      o.put("max", d.max());
    } else if (s instanceof Setting.DurationSetting d) {
      o.put("min", Durations.format(d.minNanos()));
      if (d.maxNanos() != Long.MAX_VALUE) o.put("max", Durations.format(d.maxNanos()));
    } else if (s instanceof Setting.ChoiceSetting c) {
      o.put("choices", c.choices());
    }
    o.put("default", s.display(s.defaultValue()));
    o.put("description", s.description());
    return o;
  }

  static String type(Setting s) {
    if (s instanceof Setting.IntSetting) return "integer";
    if (s instanceof Setting.DoubleSetting) return "number";
    if (s instanceof Setting.BoolSetting) return "boolean";
    if (s instanceof Setting.ChoiceSetting) return "choice";
    if (s instanceof Setting.DurationSetting) return "duration";
    if (s instanceof Setting.LatencySetting) return "latency";
    return "string";
  }
}
