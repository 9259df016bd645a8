package org.kernsim.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads scenarios: HOCON files (or the built-ins under {@code scenarios/} in the jar), checked
 * strictly against the model's settings, then {@code --set key=value} overrides with the same keys.
 * Every problem is a {@link BadInputException} naming the file, line and key.
 */
public final class Scenarios {
  private Scenarios() {}

  /** The built-in scenario names, from {@code scenarios/index.txt} in the jar. */
  public static List<String> builtins() {
    try (InputStream in = Scenarios.class.getResourceAsStream("/scenarios/index.txt")) {
      if (in == null) return List.of();
      List<String> out = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        line = line.trim();
        if (!line.isEmpty() && !line.startsWith("#")) out.add(line);
      }
      return out;
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * The keys every scenario takes whatever its model: {@code scenario.*}, the message fault plan
   * ({@code faults.delay.*}, {@code faults.drop.*}) and the liveness phase ({@code liveness.*}).
   */
  public static List<Setting> common() {
    return List.of(
        Setting.text(
            "scenario.name", "unnamed", "The scenario's name, as reported in the run JSON."),
        Setting.text(
            "scenario.model",
            "",
            "Which model the scenario runs ('kernsim settings' lists the models)."),
        Setting.text("scenario.description", "", "What the scenario shows."),
        Setting.duration(
            "scenario.until",
            Duration.ofNanos(1),
            null,
            Duration.ofSeconds(1),
            "Virtual-time limit of a run; --until overrides it."),
        Setting.number(
            "faults.delay.probability",
            0,
            1,
            0.0,
            "Fault plan: probability that a message between two entities is delayed further."),
        Setting.latency(
            "faults.delay.extra",
            "uniform(1us, 50us)",
            "Fault plan: the extra delay of a delayed message."),
        Setting.text(
            "faults.delay.types",
            "*",
            "Fault plan: message types that may be delayed (comma-separated globs, e.g. 'WakeUp,Kick*')."),
        Setting.number(
            "faults.drop.probability",
            0,
            1,
            0.0,
            "Ablation, not the kernel: probability that a message of faults.drop.types is lost (a lost wake-up)."),
        Setting.text(
            "faults.drop.types",
            "WakeUp",
            "Ablation: message types that may be lost (comma-separated globs)."),
        Setting.text(
            "liveness.faults-off-at",
            "off",
            "Liveness phase (as TigerBeetle's VOPR): at this virtual time every fault stops (the"
                + " fault plan's, injected preemptions, CPU hotplug) and within liveness.bound"
                + " everything open then must be done (queued work runs, optimizer passes end,"
                + " stop_machine() returns), or the Liveness checker fires naming what did not;"
                + " 'off' (the default) has no liveness phase."),
        Setting.duration(
            "liveness.bound",
            Duration.ofNanos(1),
            null,
            Duration.ofSeconds(1),
            "Liveness phase: how long after liveness.faults-off-at the machine has to converge."));
  }

  /**
   * A {@code key=value} override and the flag that gave it ({@code --set}, {@code --vary}), so that
   * a message names the flag the user typed.
   */
  public record Override(String flag, String text) {
    /** {@code --set} overrides. */
    public static List<Override> sets(List<String> texts) {
      return texts.stream().map(t -> new Override("--set", t)).toList();
    }

    String quoted() {
      return flag + " " + Quote.value(text);
    }
  }

  /**
   * Loads {@code nameOrPath} (a file path, or the name of a built-in), then applies {@code
   * overrides} ({@code key=value} strings, as given to {@code --set}).
   */
  public static Scenario load(ModelCatalog models, String nameOrPath, List<String> overrides) {
    return loadWith(models, nameOrPath, Override.sets(overrides));
  }

  /** As {@link #load}, with overrides that name their flag. */
  public static Scenario loadWith(
      ModelCatalog models, String nameOrPath, List<Override> overrides) {
    File file = new File(nameOrPath);
    Config config;
    String source;
    if (file.isFile()) {
      source = file.getPath();
      config = parse(file);
    } else if (file.exists()) {
      throw new BadInputException("scenario " + Quote.value(nameOrPath) + ": not a regular file");
    } else if (isBuiltin(nameOrPath)) {
      source = "builtin:" + nameOrPath;
      config = parseBuiltin(nameOrPath);
    } else {
      throw new BadInputException(
          "scenario '"
              + Quote.value(nameOrPath)
              + "' not found: no such file, and not a built-in ('kernsim scenarios' lists them)");
    }
    return fromConfig(models, config, source, overrides);
  }

  private static boolean isBuiltin(String name) {
    return name.matches("[A-Za-z0-9._-]+")
        && Scenarios.class.getResource("/scenarios/" + name + ".conf") != null;
  }

  private static Config parse(File file) {
    try {
      return ConfigFactory.parseFile(
              file,
              ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF))
          .resolve();
    } catch (ConfigException.IO e) {
      throw new BadInputException("scenario " + Quote.value(file.getPath()) + included(file, e));
    } catch (ConfigException e) {
      throw new BadInputException(
          "scenario " + Quote.value(file.getPath()) + ": " + clean(e, file.getName()));
    }
  }

  /**
   * An {@code include} that could not be read: the line of the include and the file it named
   * (Typesafe Config reports only the name, and for a relative include "resource not found on
   * classpath").
   */
  private static String included(File file, ConfigException.IO e) {
    String name = e.origin() == null ? null : e.origin().description();
    if (name != null) name = name.replaceFirst(":\\s*\\d+$", "");
    String line = "";
    if (name != null) {
      try {
        List<String> lines = java.nio.file.Files.readAllLines(file.toPath());
        for (int i = 0; i < lines.size(); i++) {
          String l = lines.get(i);
          if (l.contains("include") && l.contains(name)) {
            line = ", line " + (i + 1);
            break;
          }
        }
      } catch (IOException | RuntimeException ignored) {
        // no line, then
      }
    }
    if (name == null) return ": cannot read an included file (" + Quote.text(e.getMessage()) + ")";
    File named = new File(name);
    File looked =
        named.isAbsolute() ? named : new File(file.getAbsoluteFile().getParentFile(), name);
    String why = looked.exists() ? "cannot be read" : "no such file";
    if (e.getMessage() != null && e.getMessage().contains("classpath") && !looked.exists())
      why = "no such file (and no such resource in kernsim)";
    return line
        + ": include "
        + Quote.value(name)
        + ": "
        + why
        + " ("
        + Quote.path(looked.toPath())
        + ")";
  }

  private static Config parseBuiltin(String name) {
    try {
      return ConfigFactory.parseResources(
              Scenarios.class,
              "/scenarios/" + name + ".conf",
              ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF))
          .resolve();
    } catch (ConfigException e) {
      throw new BadInputException("built-in scenario " + name + ": " + clean(e, name + ".conf"));
    }
  }

  /** Typesafe Config messages repeat the origin; keep "line N: what". */
  private static String clean(ConfigException e, String fileName) {
    String msg = e.getMessage();
    int cut = msg.indexOf(fileName + ": ");
    if (cut >= 0) msg = msg.substring(cut + fileName.length() + 2);
    msg = msg.replaceAll("\\s+", " ").trim();
    // Typesafe Config's advice on quoting repeats the token and talks of .properties files
    int advice = msg.indexOf(" (if you intended");
    if (advice > 0) msg = msg.substring(0, advice);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+): (.*)$").matcher(msg);
    if (m.matches()) return "line " + m.group(1) + ": " + m.group(2);
    if (e.origin() != null && e.origin().lineNumber() > 0 && !msg.startsWith("line ")) {
      return "line " + e.origin().lineNumber() + ": " + msg;
    }
    return msg;
  }

  static Scenario fromConfig(
      ModelCatalog models, Config config, String source, List<Override> overrides) {
    String where =
        source.startsWith("builtin:")
            ? "built-in scenario " + source.substring(8)
            : "scenario " + Quote.value(source);
    if (!config.hasPath("scenario.model")) {
      throw new BadInputException(
          where
              + ": missing key scenario.model (one of "
              + String.join(", ", models.names())
              + ")");
    }
    String modelName;
    try {
      modelName = config.getString("scenario.model");
    } catch (ConfigException e) {
      throw new BadInputException(
          where
              + ": scenario.model must be a string (one of "
              + String.join(", ", models.names())
              + ")");
    }
    ModelFactory model = models.find(modelName);
    if (model == null) {
      throw new BadInputException(
          where
              + ", line "
              + config.getValue("scenario.model").origin().lineNumber()
              + ": unknown model '"
              + Quote.value(modelName)
              + "' (one of "
              + String.join(", ", models.names())
              + ")");
    }
    Map<String, Setting> schema = schema(model);
    Map<String, Object> values = defaults(schema);
    Map<String, String> origins = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
      String key = e.getKey();
      ConfigValue v = e.getValue();
      String at = where + ", line " + v.origin().lineNumber();
      Setting s = schema.get(key);
      if (s == null)
        throw new BadInputException(
            at + ": unknown key '" + Quote.value(key) + "'" + suggest(key, schema));
      values.put(key, parseValue(s, v, at));
      origins.put(key, at);
    }
    if (!values.containsKey("scenario.name") || "unnamed".equals(values.get("scenario.name"))) {
      String n =
          source.startsWith("builtin:")
              ? source.substring(8)
              : new File(source).getName().replaceFirst("\\.conf$", "");
      values.put("scenario.name", n);
    }
    applyOverrides(schema, values, origins, overrides);
    checkConstraints(schema, values, origins);
    Settings settings = new Settings(schema, values);
    return new Scenario((String) values.get("scenario.name"), source, model, settings);
  }

  /** A scenario made from defaults and {@code key -> value} text overrides (no file). */
  public static Scenario fromMap(ModelFactory model, Map<String, String> overrides) {
    Map<String, Setting> schema = schema(model);
    Map<String, Object> values = defaults(schema);
    values.put("scenario.model", model.name());
    List<Override> sets = new ArrayList<>();
    overrides.forEach((k, v) -> sets.add(new Override("--set", k + "=" + v)));
    Map<String, String> origins = new LinkedHashMap<>();
    applyOverrides(schema, values, origins, sets);
    checkConstraints(schema, values, origins);
    if ("unnamed".equals(values.get("scenario.name"))) values.put("scenario.name", model.name());
    return new Scenario(
        (String) values.get("scenario.name"), "settings", model, new Settings(schema, values));
  }

  private static void applyOverrides(
      Map<String, Setting> schema,
      Map<String, Object> values,
      Map<String, String> origins,
      List<Override> overrides) {
    for (Override o : overrides) {
      String t = o.text();
      int eq = t.indexOf('=');
      if (eq <= 0) throw new BadInputException(o.quoted() + ": expected key=value");
      String key = t.substring(0, eq).strip();
      String text = t.substring(eq + 1).strip();
      Setting s = schema.get(key);
      if (s == null)
        throw new BadInputException(
            o.flag() + " " + Quote.value(key) + ": unknown key" + suggest(key, schema));
      if (key.equals("scenario.model")) {
        if (!text.equals(values.get(key))) {
          throw new BadInputException(
              o.flag()
                  + " scenario.model: the model is fixed by the scenario ("
                  + values.get(key)
                  + ")");
        }
        continue;
      }
      String at = o.flag() + " " + key + "=" + Quote.value(text);
      values.put(key, parseValue(s, overrideValue(text), at));
      origins.put(key, at);
    }
  }

  /**
   * The constraints between settings, as the settings table declares them ({@link
   * Setting.IntSetting#atMost}): checked on the effective values, naming where each came from.
   */
  private static void checkConstraints(
      Map<String, Setting> schema, Map<String, Object> values, Map<String, String> origins) {
    for (Setting s : schema.values()) {
      if (!(s instanceof Setting.IntSetting i) || i.atMost() == null) continue;
      if (!(values.get(i.atMost()) instanceof Long limit)) continue;
      long v = (Long) values.get(s.key());
      if (v <= limit) continue;
      String here = origins.getOrDefault(s.key(), "settings");
      String there = origins.getOrDefault(i.atMost(), "the default");
      throw new BadInputException(
          here
              + ": "
              + s.key()
              + " = "
              + v
              + " is more than "
              + i.atMost()
              + " = "
              + limit
              + " ("
              + there
              + "); it must be at most "
              + i.atMost());
    }
  }

  private static ConfigValue overrideValue(String text) {
    try {
      Config c = ConfigFactory.parseString("v = " + text);
      if (c.hasPath("v") && c.root().size() == 1) return c.getValue("v");
    } catch (ConfigException e) {
      // not a HOCON value (for example claim+deferred-wake): take it as a string
    }
    return ConfigValueFactory.fromAnyRef(text);
  }

  private static Object parseValue(Setting s, ConfigValue v, String at) {
    try {
      return s.parse(v);
    } catch (IllegalArgumentException ex) {
      String shown = Quote.value(String.valueOf(v.unwrapped()));
      throw new BadInputException(
          at + ": bad value '" + shown + "' for " + s.key() + ": " + Quote.text(ex.getMessage()));
    }
  }

  /**
   * Every key a scenario of {@code model} takes, in a file or with {@code --set}: the schema the
   * loader checks them against ({@link #common()}, then the model's settings; a model's own
   * definition of a common key replaces it in place).
   */
  public static List<Setting> accepted(ModelFactory model) {
    return List.copyOf(schema(model).values());
  }

  private static Map<String, Setting> schema(ModelFactory model) {
    Map<String, Setting> schema = new LinkedHashMap<>();
    for (Setting s : common()) schema.put(s.key(), s);
    for (Setting s : model.settings()) {
      if (schema.put(s.key(), s) != null && !s.key().equals("scenario.until")) {
        throw new IllegalStateException(
            "duplicate setting " + s.key() + " in model " + model.name());
      }
    }
    return schema;
  }

  private static Map<String, Object> defaults(Map<String, Setting> schema) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting s : schema.values()) values.put(s.key(), s.defaultValue());
    return values;
  }

  static String suggest(String key, Map<String, Setting> schema) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : new TreeSet<>(schema.keySet())) {
      int d = distance(key, k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best != null && bestD <= Math.max(2, key.length() / 4))
      return " (did you mean " + best + "?)";
    return " ('kernsim settings MODEL' lists the keys)";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
