package org.kernsim.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;

/**
 * TLS between cluster nodes ({@code kernsim.cluster.tls}): Artery's {@code tls-tcp} transport with
 * a key store (this node's key and certificate) and a trust store (the certificates or CA it
 * accepts), both files; mutual authentication is on, so a node without a trusted certificate cannot
 * even open a connection. {@code kernsim run/node --tls-config FILE} reads the settings from a
 * file:
 *
 * <pre>
 *   key-store = "node.p12"            # relative to the file
 *   key-store-password = "..."
 *   key-password = "..."              # optional: the key store's password
 *   trust-store = "trust.p12"
 *   trust-store-password = "..."
 * </pre>
 */
public final class Tls {
  private Tls() {}

  static final String[] KEYS = {
    "key-store", "key-store-password", "key-password", "trust-store", "trust-store-password"
  };

  /**
   * The {@code kernsim.cluster.tls} block of a {@code --tls-config} file: enabled, with the store
   * paths made absolute against the file's directory.
   *
   * @throws IllegalArgumentException with one line naming the file and what is wrong
   */
  public static Config fromFile(Path file) {
    Config c;
    try {
      if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
      c = ConfigFactory.parseFile(file.toFile()).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
    for (String k : c.root().keySet()) {
      boolean known = k.equals("enabled");
      for (String key : KEYS) known |= key.equals(k);
      if (!known) throw new IllegalArgumentException(file + ": unknown key '" + k + "'");
    }
    Path dir = file.toAbsolutePath().getParent();
    Config out = ConfigFactory.empty().withValue("enabled", ConfigValueFactory.fromAnyRef(true));
    for (String k : KEYS) {
      if (!c.hasPath(k)) continue;
      String v;
      try {
        v = c.getString(k);
      } catch (ConfigException e) {
        throw new IllegalArgumentException(file + ": " + k + " must be a string");
      }
      if (k.endsWith("store")) v = dir.resolve(v).toString();
      out = out.withValue(k, ConfigValueFactory.fromAnyRef(v));
    }
    validate(out, file.toString());
    return out;
  }

  /**
   * Checks that both stores load with their passwords and that the key store holds a key.
   *
   * @param where names the settings in the message (a file, or {@code kernsim.cluster.tls})
   * @throws IllegalArgumentException with one line naming what is wrong
   */
  public static void validate(Config tls, String where) {
    String ks = tls.hasPath("key-store") ? tls.getString("key-store") : "";
    String ts = tls.hasPath("trust-store") ? tls.getString("trust-store") : "";
    if (ks.isEmpty()) throw new IllegalArgumentException(where + ": key-store is missing");
    if (ts.isEmpty()) throw new IllegalArgumentException(where + ": trust-store is missing");
    KeyStore keys = load(ks, str(tls, "key-store-password"), where, "key-store");
    load(ts, str(tls, "trust-store-password"), where, "trust-store");
    try {
      boolean hasKey = false;
      for (String alias : Collections.list(keys.aliases())) hasKey |= keys.isKeyEntry(alias);
      if (!hasKey)
        throw new IllegalArgumentException(where + ": key-store " + ks + " holds no private key");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(where + ": key-store " + ks + ": " + e.getMessage());
    }
  }

  private static String str(Config c, String k) {
    return c.hasPath(k) ? c.getString(k) : "";
  }

  private static KeyStore load(String path, String password, String where, String what) {
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      KeyStore k = KeyStore.getInstance(KeyStore.getDefaultType());
      k.load(in, password.toCharArray());
      return k;
    } catch (IOException | GeneralSecurityException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      if (e instanceof java.nio.file.NoSuchFileException) why = "no such file";
      throw new IllegalArgumentException(where + ": " + what + " " + path + ": " + why);
    }
  }

  /** Pekko's settings for {@code tls} (empty when it is not enabled). */
  static Config pekkoSettings(Config tls) {
    if (!tls.getBoolean("enabled")) return ConfigFactory.empty();
    String ksPassword = str(tls, "key-store-password");
    String keyPassword = str(tls, "key-password");
    return ConfigFactory.empty()
        .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
        .withValue(
            "pekko.remote.artery.ssl.config-ssl-engine",
            ConfigFactory.empty()
                .withValue("key-store", ConfigValueFactory.fromAnyRef(str(tls, "key-store")))
                .withValue("key-store-password", ConfigValueFactory.fromAnyRef(ksPassword))
                .withValue(
                    "key-password",
                    ConfigValueFactory.fromAnyRef(keyPassword.isEmpty() ? ksPassword : keyPassword))
                .withValue("trust-store", ConfigValueFactory.fromAnyRef(str(tls, "trust-store")))
                .withValue(
                    "trust-store-password",
                    ConfigValueFactory.fromAnyRef(str(tls, "trust-store-password")))
                .withValue("require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
                .root());
  }
}
