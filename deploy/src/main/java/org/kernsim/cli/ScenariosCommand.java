package org.kernsim.cli;

import java.util.concurrent.Callable;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;
import picocli.CommandLine.Command;

@Command(
    name = "scenarios",
    mixinStandardHelpOptions = true,
    description = {
      "List the built-in scenarios.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input (an unknown option)."
    })
final class ScenariosCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    int width = Scenarios.builtins().stream().mapToInt(String::length).max().orElse(10);
    for (String name : Scenarios.builtins()) {
      Scenario s = Models.load(name, java.util.List.of());
      String d = s.settings().text("scenario.description");
      System.out.printf(
          "%-" + width + "s  %-9s  %s%n", name, s.model().name(), d.replaceAll("\\s+", " "));
    }
    return ExitCodes.OK;
  }
}
