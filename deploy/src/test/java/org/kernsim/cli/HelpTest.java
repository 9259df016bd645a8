package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What the help says: the top-level list shows each command's whole first sentence, and every exit
 * code the README's table gives a command is in that command's own help.
 */
class HelpTest {

  private static final Pattern SENTENCE_END = Pattern.compile("(?<!\\.)\\.(?!\\.)(\\s|$)");

  static String firstSentence(String text) {
    Matcher m = SENTENCE_END.matcher(text);
    return m.find() ? text.substring(0, m.start() + 1) : text;
  }

  static String flat(String s) {
    return s.replaceAll("\\s+", " ").strip();
  }

  static Map<String, CommandLine> commands() {
    Map<String, CommandLine> m = new LinkedHashMap<>(Main.commandLine().getSubcommands());
    m.remove("help");
    return m;
  }

  @Test
  void theTopLevelHelpShowsEachCommandsWholeFirstSentence() {
    CliTest.Out o = CliTest.cli("--help");
    assertEquals(ExitCodes.OK, o.code(), o.err());
    String help = flat(o.out());
    for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
      String[] d = e.getValue().getCommandSpec().usageMessage().description();
      String first = flat(firstSentence(String.join(" ", d)));
      assertTrue(first.length() > 20, e.getKey() + ": " + first);
      assertTrue(help.contains(first), e.getKey() + ": '" + first + "' not in:\n" + o.out());
    }
  }

  @Test
  void everyCommandsHelpIsCleanTextWithNothingOnStderr() {
    for (String name : commands().keySet()) {
      CliTest.Out o = CliTest.cli(name, "--help");
      assertEquals(ExitCodes.OK, o.code(), name + ": " + o.err());
      assertEquals("", o.err(), name + " --help wrote to stderr");
      assertFalse(o.out().contains("%n"), name + " --help shows a raw %n:\n" + o.out());
    }
  }

  @Test
  void everyExitCodeOfTheReadmeTableIsInItsCommandsHelp() throws IOException {
    List<String> rows = new ArrayList<>();
    boolean inTable = false;
    for (String line : Files.readAllLines(Path.of("../README.md"))) {
      if (line.startsWith("## Exit codes")) inTable = true;
      else if (inTable && line.startsWith("## ")) break;
      else if (inTable && line.matches("\\| \\d+ \\|.*")) rows.add(line);
    }
    assertTrue(rows.size() >= 8, "the README's exit-code table: " + rows);
    Map<String, CommandLine> commands = commands();
    for (String row : rows) {
      String[] cells = row.split("\\|");
      String code = cells[1].strip();
      String who = cells[cells.length - 1].strip();
      List<String> names = new ArrayList<>();
      if (who.equals("all")) names.addAll(commands.keySet());
      else {
        Matcher m = Pattern.compile("`(\\w+)`").matcher(who);
        while (m.find()) names.add(m.group(1));
      }
      assertFalse(names.isEmpty(), row);
      for (String name : names) {
        CommandLine c = commands.get(name);
        assertTrue(c != null, "no command " + name + " (row: " + row + ")");
        String help = flat(c.getUsageMessage());
        int at = help.indexOf("Exit codes:");
        assertTrue(at >= 0, name + " --help has no exit codes");
        assertTrue(
            Pattern.compile("\\b" + code + "\\b").matcher(help.substring(at)).find(),
            name + " --help does not list exit code " + code + ": " + help.substring(at));
      }
    }
  }
}
