package org.kernsim.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * The {@code kernsim { }} namespace of {@code reference.conf} (and any {@code application.conf}
 * override), read once.
 */
public record KernsimSettings(Cluster cluster, long kryoMaxMessageBytes) {

  /** {@code kernsim.cluster}. */
  public record Cluster(
      String systemName,
      String hostname,
      int partitionsPerNode,
      Duration formTimeout,
      Duration joinTimeout,
      Duration setupTimeout,
      Duration stallTimeout,
      int batchMaxEvents,
      String workerRole,
      String driverRole,
      Duration localStartTimeout,
      List<String> localNodeJvmOptions,
      long snapshotEvery,
      double snapshotMaxShare,
      boolean recover,
      int freeRounds,
      String speculate) {}

  private static volatile KernsimSettings loaded;

  /** The settings of this JVM's default configuration, read on first use. */
  public static KernsimSettings get() {
    KernsimSettings s = loaded;
    if (s == null) s = loaded = from(ConfigCache.load());
    return s;
  }

  /**
   * A setting of the {@code kernsim} namespace with a value it cannot take (a system property, a
   * configuration file): bad input, named with its key.
   */
  public static final class BadSetting extends IllegalArgumentException {
    public BadSetting(String message) {
      super(message);
    }
  }

  public static KernsimSettings from(Config root) {
    try {
      return read(root);
    } catch (com.typesafe.config.ConfigException e) {
      throw new BadSetting(e.getMessage());
    }
  }

  private static KernsimSettings read(Config root) {
    Config c = root.getConfig("kernsim.cluster");
    Cluster cluster =
        new Cluster(
            c.getString("system-name"),
            c.getString("hostname"),
            positive(c, "partitions-per-node"),
            c.getDuration("form-timeout"),
            c.getDuration("join-timeout"),
            c.getDuration("setup-timeout"),
            c.getDuration("stall-timeout"),
            positive(c, "batch-max-events"),
            c.getString("worker-role"),
            c.getString("driver-role"),
            c.getDuration("local-start-timeout"),
            List.copyOf(c.getStringList("local-node-jvm-options")),
            nonNegative(c, "snapshot-every"),
            share(c, "snapshot-max-share"),
            c.getBoolean("recover"),
            (int) Math.min(Integer.MAX_VALUE, nonNegative(c, "free-rounds")),
            speculation(c));
    return new KernsimSettings(cluster, root.getBytes("kernsim.kryo.max-message-size"));
  }

  private static String speculation(Config c) {
    String v = c.getString("speculate");
    if (!v.equals("off") && !v.equals("auto") && !v.equals("always"))
      throw new BadSetting(
          "kernsim.cluster.speculate must be off, auto or always, got '" + v + "'");
    return v;
  }

  private static double share(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v > 0 && v <= 1))
      throw new BadSetting("kernsim.cluster." + key + " must be in (0, 1], got " + v);
    return v;
  }

  private static long nonNegative(Config c, String key) {
    long v = c.getLong(key);
    if (v < 0) throw new BadSetting("kernsim.cluster." + key + " must be >= 0, got " + v);
    return v;
  }

  private static int positive(Config c, String key) {
    int v = c.getInt(key);
    if (v < 1) throw new BadSetting("kernsim.cluster." + key + " must be >= 1, got " + v);
    return v;
  }
}
