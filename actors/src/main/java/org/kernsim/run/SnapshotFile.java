package org.kernsim.run;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.snapshot.SimSnapshot;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;
import org.kernsim.trace.OutputFiles;

/**
 * A snapshot on disk ({@code run --snapshot FILE}, {@code run --from-snapshot FILE}): the bytes
 * {@code KSNAP1\n}, then the {@link SimSnapshot} through the cluster's Kryo class table, gzipped.
 * Written under a temporary name and moved into place when complete, like every output file.
 */
public final class SnapshotFile {
  private SnapshotFile() {}

  private static final byte[] MAGIC = "KSNAP1\n".getBytes(StandardCharsets.US_ASCII);

  private static Kryo kryo() {
    return KryoRegistry.newKryo(
        () -> {
          throw new KryoException("an ActorRef in a snapshot");
        });
  }

  /** Writes {@code s} to {@code target} (checked beforehand with {@link OutputFiles#check}). */
  public static void write(Path target, SimSnapshot s) {
    Path temp = null;
    try {
      temp = OutputFiles.temporaryFor(target);
      try (OutputStream os =
              new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)), 1 << 16);
          Output out = new Output(os, 1 << 16)) {
        out.writeBytes(MAGIC);
        kryo().writeClassAndObject(out, s);
      }
      OutputFiles.publish(temp, target);
    } catch (IOException | KryoException e) {
      OutputFiles.discard(temp);
      throw OutputFiles.failed(
          target, e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }
  }

  /**
   * Reads the snapshot in {@code file}.
   *
   * @throws BadInputException one line naming the flag, the file and what is wrong with it
   */
  public static SimSnapshot read(String flag, Path file) {
    String what = flag + " " + Quote.path(file);
    if (!Files.isRegularFile(file)) throw new BadInputException(what + ": no such file");
    try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
      byte[] head = is.readNBytes(2);
      if (head.length < 2 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b)
        throw new BadInputException(what + ": not a kernsim snapshot");
      try (InputStream all =
              new GZIPInputStream(
                  new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), is));
          Input in = new Input(all, 1 << 16)) {
        byte[] magic = in.readBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC))
          throw new BadInputException(what + ": not a kernsim snapshot (or another format)");
        Object o = kryo().readClassAndObject(in);
        if (!(o instanceof SimSnapshot s))
          throw new BadInputException(what + ": not a kernsim snapshot");
        if (s.format() != SimSnapshot.FORMAT)
          throw new BadInputException(
              what
                  + ": snapshot format "
                  + s.format()
                  + ", this kernsim reads "
                  + SimSnapshot.FORMAT);
        return s;
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException b) throw b;
      throw new BadInputException(
          what + ": unreadable snapshot (" + Quote.text(String.valueOf(e.getMessage())) + ")");
    }
  }
}
