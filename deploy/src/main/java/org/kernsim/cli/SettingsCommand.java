package org.kernsim.cli;

import java.util.concurrent.Callable;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Quote;
import org.kernsim.scenario.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "settings",
    mixinStandardHelpOptions = true,
    description = {
      "List a model's settings: key, type and range, default, meaning.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input (an unknown model or option)."
    })
final class SettingsCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODEL",
      description = "A model name; all models if omitted.")
  String model;

  @Override
  public Integer call() {
    if (model != null && Models.find(model) == null) {
      throw new BadInputException(
          "unknown model '"
              + Quote.value(model)
              + "' (one of "
              + String.join(", ", Models.names())
              + ")");
    }
    for (ModelFactory m : Models.all()) {
      if (model != null && !m.name().equals(model)) continue;
      System.out.println(m.name() + ": " + m.description());
      for (Setting s : m.settings()) {
        System.out.printf(
            "  %-34s %-40s default %s%n      %s%n",
            s.key(), s.expected(), s.display(s.defaultValue()), s.description());
      }
    }
    return ExitCodes.OK;
  }
}
