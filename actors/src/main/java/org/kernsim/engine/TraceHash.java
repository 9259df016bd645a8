package org.kernsim.engine;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The run's {@code traceSha256}.
 *
 * <p>The canonical trace is the set of per-entity histories: each entity's delivered events in
 * canonical order {@code (time, src, seq)}, each encoded as time, source, sequence number, a timer
 * marker and the payload's canonical binary form ({@link RecordCodec#encode}). Each entity hashes
 * its own history as it goes (in parallel, wherever it runs) with SHA-256 chained over fixed-size
 * chunks of those bytes ({@link HistoryDigest}, so that a snapshot can carry it); the run hash is
 * the SHA-256 of {@code (entity id, event count, history digest)} over the entities that processed
 * at least one event, in id order. It is therefore the same on one thread, on many, and on any
 * number of nodes, and it changes if any delivered message, time or field changes.
 */
public final class TraceHash {

  private final SortedMap<Integer, Entry> entries = new TreeMap<>();

  private record Entry(long count, byte[] digest) {}

  public void add(int entity, long count, byte[] digest) {
    if (count == 0 || digest == null) return;
    if (entries.put(entity, new Entry(count, digest)) != null) {
      throw new IllegalStateException("entity " + entity + " reported twice");
    }
  }

  public void addAll(Map<Integer, Long> counts, Map<Integer, byte[]> digests) {
    counts.forEach((id, n) -> add(id, n, digests.get(id)));
  }

  public String sha256() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      RecordCodec.Bytes b = new RecordCodec.Bytes();
      for (Map.Entry<Integer, Entry> e : entries.entrySet()) {
        b.reset();
        b.putInt(e.getKey()).putLong(e.getValue().count()).put(e.getValue().digest());
        md.update(b.array(), 0, b.length());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
