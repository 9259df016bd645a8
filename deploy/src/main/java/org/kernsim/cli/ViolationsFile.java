package org.kernsim.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import org.kernsim.run.Explorer;
import org.kernsim.trace.OutputFiles;

/**
 * {@code explore --violations FILE}: every violating schedule, one line each, written as it is
 * found (so an exploration that violates often holds none of them in memory), and published when
 * the exploration ends — interrupted or not: what was found is kept.
 */
final class ViolationsFile implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final BufferedWriter out;
  private final boolean forked;

  private ViolationsFile(Path target, Path temp, BufferedWriter out, boolean forked) {
    this.target = target;
    this.temp = temp;
    this.out = out;
    this.forked = forked;
  }

  static ViolationsFile open(Path target, boolean forked) {
    if (target == null) return new ViolationsFile(null, null, null, forked);
    try {
      Path temp = OutputFiles.temporaryFor(target);
      BufferedWriter w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
      w.write(forked ? "# seed perturbation checkers\n" : "# seed checkers\n");
      return new ViolationsFile(target, temp, w, forked);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  Explorer.Listener listener(LongConsumer progress) {
    return new Explorer.Listener() {
      @Override
      public void progress(long done) {
        if (progress != null) progress.accept(done);
      }

      @Override
      public void violating(Explorer.Found f) {
        if (out == null) return;
        String line =
            f.schedule().seed()
                + (forked ? " " + f.schedule().perturbation() : "")
                + " "
                + String.join(",", f.checkers())
                + "\n";
        synchronized (ViolationsFile.this) {
          try {
            out.write(line);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    };
  }

  @Override
  public void close() {
    if (out == null) return;
    try {
      synchronized (this) {
        out.close();
      }
      OutputFiles.publish(temp, target);
    } catch (IOException | UncheckedIOException e) {
      OutputFiles.discard(temp);
      throw OutputFiles.failed(
          target, e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
    }
  }
}
