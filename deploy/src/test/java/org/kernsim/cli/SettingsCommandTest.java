package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;
import org.kernsim.scenario.Setting;

/**
 * {@code kernsim settings} lists every key the scenario loader accepts: the keys are taken from the
 * loader itself (its schema, proved against {@code --set}, and the keys of every built-in scenario
 * file), never from a list written here.
 */
class SettingsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The keys {@code settings MODEL --json} lists for a model (both its groups), in order. */
  private static List<String> listed(JsonNode groups, String model) {
    List<String> keys = new ArrayList<>();
    for (JsonNode g : groups) {
      String name = g.get("group").asText();
      if (!name.equals(SettingsCommand.COMMON_GROUP) && !name.equals(model)) continue;
      for (JsonNode s : g.get("settings")) keys.add(s.get("key").asText());
    }
    return keys;
  }

  @Test
  void everyKeyTheLoaderAcceptsIsListedInTextAndJson() throws Exception {
    CliTest.Out all = CliTest.cli("settings", "--json");
    assertEquals(ExitCodes.OK, all.code(), all.err());
    JsonNode groups = JSON.readTree(all.out()).get("groups");
    assertEquals(SettingsCommand.COMMON_GROUP, groups.get(0).get("group").asText());
    for (ModelFactory m : Models.all()) {
      // what the loader checks a file and --set against ...
      List<String> accepted = Scenarios.accepted(m).stream().map(Setting::key).toList();
      // ... is what it really accepts: every key with --set (its default), and nothing else
      Map<String, String> sets = new LinkedHashMap<>();
      for (Setting s : Scenarios.accepted(m))
        sets.put(s.key(), String.valueOf(s.display(s.defaultValue())));
      sets.put("scenario.model", m.name());
      Scenarios.fromMap(m, sets);
      assertThrows(
          BadInputException.class,
          () -> Scenarios.fromMap(m, Map.of("no.such.key", "1")),
          "the loader rejects a key outside its schema");
      assertTrue(accepted.contains("scenario.until") && accepted.contains("liveness.bound"));

      List<String> json = listed(groups, m.name());
      assertEquals(
          new LinkedHashSet<>(accepted),
          new LinkedHashSet<>(json),
          m.name() + ": settings --json lists exactly the keys the loader accepts");
      assertEquals(json.size(), new LinkedHashSet<>(json).size(), m.name() + ": a key twice");

      CliTest.Out one = CliTest.cli("settings", m.name());
      assertEquals(ExitCodes.OK, one.code(), one.err());
      Set<String> text = new LinkedHashSet<>();
      for (String line : one.out().lines().toList())
        if (line.startsWith("  ") && !line.startsWith("   "))
          text.add(line.trim().split("\\s+")[0]);
      assertEquals(new LinkedHashSet<>(accepted), text, m.name() + ": settings MODEL (text)");
      CliTest.Out oneJson = CliTest.cli("settings", m.name(), "--json");
      assertEquals(
          new LinkedHashSet<>(accepted),
          new LinkedHashSet<>(listed(JSON.readTree(oneJson.out()).get("groups"), m.name())));
    }
    // every row: a type, the expected range, a default and a meaning
    for (JsonNode g : groups)
      for (JsonNode s : g.get("settings")) {
        String key = s.get("key").asText();
        assertFalse(s.get("type").asText().isEmpty(), key);
        assertFalse(s.get("expected").asText().isEmpty(), key);
        assertTrue(s.has("default"), key);
        assertFalse(s.get("description").asText().isBlank(), key);
        if (s.get("type").asText().equals("choice")) assertTrue(s.get("choices").size() > 1, key);
      }
  }

  @Test
  void everyKeyOfEveryBuiltinScenarioFileIsListedForItsModel() throws Exception {
    JsonNode groups = JSON.readTree(CliTest.cli("settings", "--json").out()).get("groups");
    int keys = 0;
    for (String name : Scenarios.builtins()) {
      Config c =
          ConfigFactory.parseResources(Scenarios.class, "/scenarios/" + name + ".conf").resolve();
      String model = c.getString("scenario.model");
      List<String> listed = listed(groups, model);
      for (String key : c.entrySet().stream().map(Map.Entry::getKey).toList()) {
        assertTrue(listed.contains(key), name + ": key " + key + " missing from settings " + model);
        keys++;
      }
    }
    assertTrue(keys > 100, "the built-in scenarios were read: " + keys);
  }

  @Test
  void aScenarioShowsItsEffectiveValuesAndDefaults() throws Exception {
    CliTest.Out o =
        CliTest.cli(
            "settings", "workqueue-wq6-manager-race", "--set", "workqueue.era=v3.19", "--json");
    assertEquals(ExitCodes.OK, o.code(), o.err());
    JsonNode j = JSON.readTree(o.out());
    assertEquals("wqlife", j.get("model").asText());
    Map<String, JsonNode> rows = new LinkedHashMap<>();
    for (JsonNode r : j.get("settings")) rows.put(r.get("key").asText(), r);
    Scenario sc = Models.load("workqueue-wq6-manager-race", List.of());
    assertEquals(
        Scenarios.accepted(sc.model()).stream().map(Setting::key).toList(),
        new ArrayList<>(rows.keySet()));
    assertEquals("v3.19", rows.get("workqueue.era").get("value").asText());
    assertEquals("v2026", rows.get("workqueue.era").get("default").asText());
    assertFalse(rows.get("workqueue.era").get("isDefault").asBoolean());
    assertEquals("1s", rows.get("scenario.until").get("value").asText());
    assertEquals("scenario", rows.get("scenario.until").get("group").asText());
    assertEquals("2", rows.get("machine.cpus").get("value").asText());
    assertEquals("off", rows.get("liveness.faults-off-at").get("value").asText());
    assertTrue(rows.get("liveness.faults-off-at").get("isDefault").asBoolean());

    CliTest.Out text = CliTest.cli("settings", "workqueue-wq6-manager-race");
    assertEquals(ExitCodes.OK, text.code(), text.err());
    assertTrue(
        text.out()
            .lines()
            .anyMatch(l -> l.matches("\\s+workqueue.era\\s+v3.18\\s+\\(default v2026\\)")),
        text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.matches("\\s+faults.delay.probability\\s+0.0")));

    CliTest.assertBadInput(CliTest.cli("settings", "nosuchthing"), "nosuchthing");
    CliTest.assertBadInput(
        CliTest.cli("settings", "workqueue-wq6-manager-race", "--set", "workqueue.era=v9"),
        "workqueue.era");
    CliTest.assertBadInput(
        CliTest.cli("settings", "wqlife", "--set", "workqueue.era=v3.19"), "--set");
  }
}
