package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The floors of the actors module point one way: the engine knows no scenario, model or run; the
 * scenario floor knows no model; models know no run, registry or bench; traces (the views of a
 * trace file) know no run; runs know no report; the machine's description ({@code actors/machine})
 * knows none of the machine's entities. A violation names the file and the import.
 */
class LayeringTest {

  private static final Path SRC = Path.of("src/main/java/org/kernsim");

  /** Package prefix (under org.kernsim) -> imports it must not have. */
  private static final Map<String, List<String>> FORBIDDEN =
      Map.of(
          "engine",
          List.of(
              "org.kernsim.scenario",
              "org.kernsim.actors",
              "org.kernsim.models",
              "org.kernsim.run",
              "org.kernsim.trace",
              "org.kernsim.bench"),
          "scenario",
          List.of(
              "org.kernsim.actors", "org.kernsim.models", "org.kernsim.run", "org.kernsim.bench"),
          "actors",
          List.of("org.kernsim.models", "org.kernsim.run", "org.kernsim.bench"),
          "trace",
          List.of(
              "org.kernsim.models", "org.kernsim.run", "org.kernsim.bench", "org.kernsim.report"),
          "run",
          List.of("org.kernsim.bench", "org.kernsim.report"),
          // the machine's description is read by the CPU, stop_machine, RCU and hotplug packages;
          // it never names them (MachineEntities, one floor up, creates their entities)
          "actors/machine",
          List.of(
              "org.kernsim.actors.cpu",
              "org.kernsim.actors.rcu",
              "org.kernsim.actors.stopmachine",
              "org.kernsim.actors.hotplug",
              "org.kernsim.actors.smp"),
          "actors/cpu",
          List.of("org.kernsim.actors.smp", "org.kernsim.actors.stopmachine"),
          "actors/stopmachine",
          List.of("org.kernsim.actors.smp"),
          "actors/rcu",
          List.of("org.kernsim.actors.smp"));

  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

  @Test
  void floorsPointOneWay() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, List<String>> floor : FORBIDDEN.entrySet()) {
      try (Stream<Path> files = Files.walk(SRC.resolve(floor.getKey()))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          Matcher m = IMPORT.matcher(text);
          while (m.find()) {
            for (String bad : floor.getValue()) {
              if (m.group(1).startsWith(bad + "."))
                wrong.add(SRC.relativize(f) + " imports " + m.group(1));
            }
          }
          for (String line : text.split("\n")) {
            String code = line.strip();
            if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) continue;
            for (String bad : floor.getValue()) {
              if (code.contains(bad + ".") && !code.startsWith("import ")) {
                wrong.add(SRC.relativize(f) + " names " + bad + " inline");
              }
            }
          }
        }
      }
    }
    assertEquals(List.of(), wrong, "imports that run back up a floor");
  }
}
