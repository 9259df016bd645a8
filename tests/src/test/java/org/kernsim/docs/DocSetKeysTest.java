package org.kernsim.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenarios;
import org.kernsim.scenario.Setting;

/**
 * Every command the docs give for a built-in scenario ({@code kernsim run|explore|... SCENARIO ...
 * --set KEY=VALUE}) sets only keys that scenario's model accepts, which are the keys {@code kernsim
 * settings} lists ({@code SettingsCommandTest} holds the listing to the loader's schema): a doc
 * whose figure was produced with a key that was renamed or removed fails here, naming the page and
 * the key.
 */
class DocSetKeysTest {

  private static final Path ROOT = DocPages.ROOT;
  private static final Pattern COMMAND =
      Pattern.compile(
          "kernsim\\s+(?:run|explore|trace|bench|report|settings)\\s+([a-z0-9][a-z0-9-]*)");
  private static final Pattern SET = Pattern.compile("--set[ =]['\"]?([a-z][a-z0-9_.-]*)=");

  @Test
  void everyDocumentedSetKeyIsListedForItsScenariosModel() throws IOException {
    Set<String> builtins = new TreeSet<>(Scenarios.builtins());
    Map<String, Set<String>> accepted = new TreeMap<>();
    Set<String> wrong = new TreeSet<>();
    int checked = 0;
    for (Path doc : docs()) {
      for (String line : Files.readAllLines(doc)) {
        Matcher c = COMMAND.matcher(line);
        if (!c.find() || !builtins.contains(c.group(1))) continue;
        String scenario = c.group(1);
        Set<String> keys =
            accepted.computeIfAbsent(
                scenario,
                n ->
                    Scenarios.accepted(Models.load(n, List.of()).model()).stream()
                        .map(Setting::key)
                        .collect(Collectors.toSet()));
        Matcher s = SET.matcher(line.substring(c.end()));
        while (s.find()) {
          checked++;
          if (!keys.contains(s.group(1)))
            wrong.add(ROOT.relativize(doc) + ": " + scenario + " --set " + s.group(1));
        }
      }
    }
    assertEquals(Set.of(), wrong, "--set keys in the docs that the scenario's model does not take");
    assertTrue(checked > 50, "the docs' commands were read: " + checked);
  }

  private static List<Path> docs() throws IOException {
    return DocPages.all();
  }
}
