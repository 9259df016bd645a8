package org.kernsim.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The docs stand alone: every catalogue id they use (KP-*, SM-*, WQ-*, KX-*) has its one line in
 * {@code docs/catalogue.md}, and that page has no id twice.
 */
class CatalogueTest {

  private static final Path ROOT = DocPages.ROOT;
  private static final Pattern ID = Pattern.compile("\\b(KP|SM|WQ|KX)-(\\d+)[a-z]?\\b");
  private static final Pattern ROW =
      Pattern.compile("^\\| ((?:KP|SM|WQ|KX)-\\d+) \\|", Pattern.MULTILINE);

  @Test
  void everyIdTheDocsUseHasItsLine() throws IOException {
    String catalogue = Files.readString(ROOT.resolve("docs/catalogue.md"));
    List<String> rows = ROW.matcher(catalogue).results().map(m -> m.group(1)).toList();
    assertEquals(rows.size(), new TreeSet<>(rows).size(), "an id listed twice: " + rows);
    Set<String> listed = Set.copyOf(rows);
    Set<String> missing = new TreeSet<>();
    Set<String> used = new TreeSet<>();
    for (Path doc : docs()) {
      Matcher m = ID.matcher(Files.readString(doc));
      while (m.find()) {
        String id = m.group(1) + "-" + m.group(2);
        used.add(id);
        if (!listed.contains(id)) missing.add(id + " (" + ROOT.relativize(doc) + ")");
      }
    }
    assertEquals(Set.of(), missing, "ids the docs use that docs/catalogue.md does not list");
    assertTrue(used.size() >= 10, "the docs were read: " + used);
  }

  /** The user-facing pages but the catalogue itself. */
  private static List<Path> docs() throws IOException {
    return DocPages.all().stream()
        .filter(p -> !p.getFileName().toString().equals("catalogue.md"))
        .toList();
  }
}
