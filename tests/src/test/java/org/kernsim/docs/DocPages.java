package org.kernsim.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The user-facing pages the doc tests read: README files, docs/ and the built-in scenarios. */
final class DocPages {
  /** The repository's root, from the tests module. */
  static final Path ROOT = Path.of("..");

  private DocPages() {}

  /** Every {@code .md} and {@code .conf} under docs/, scenarios/, deploy/ and the root's own. */
  static List<Path> all() throws IOException {
    try (Stream<Path> s =
        Stream.of("docs", "scenarios", "deploy", ".")
            .flatMap(
                d -> {
                  try {
                    return Files.walk(ROOT.resolve(d), d.equals(".") ? 1 : 8);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                })) {
      return s.filter(p -> !p.toString().contains("/target/"))
          .filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".conf"))
          .distinct()
          .toList();
    }
  }
}
