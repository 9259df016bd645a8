package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.kernsim.scenario.Scenarios;

/**
 * Every scenario file in {@code scenarios/} is a built-in: listed in {@code scenarios/index.txt},
 * so that {@code kernsim scenarios} shows it and every test that walks {@link Scenarios#builtins()}
 * (its settings, its snapshot, its hash on 3 nodes) covers it; and every name in the index has its
 * file.
 */
class ScenarioIndexTest {

  @Test
  void everyScenarioFileIsListedAndEveryListedNameHasItsFile() throws IOException {
    Set<String> files;
    try (Stream<Path> s = Files.list(Path.of("../scenarios"))) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".conf"))
              .map(n -> n.substring(0, n.length() - ".conf".length()))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertTrue(files.size() > 30, "the scenario files were read: " + files);
    assertEquals(files, new TreeSet<>(Scenarios.builtins()));
  }
}
