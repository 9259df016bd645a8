package org.kernsim.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust stores for TLS tests, made with the JDK's {@code keytool}: one self-signed EC key
 * (P-256) per store, its certificate in the trust store, and a {@code --tls-config} file naming
 * them.
 */
public final class TestKeystores {
  private TestKeystores() {}

  /**
   * Makes {@code dir/node.p12}, {@code dir/trust.p12} and {@code dir/tls.conf}; returns the last.
   */
  public static Path make(Path dir, String name) throws Exception {
    Files.createDirectories(dir);
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        dir.resolve("node.p12").toString(),
        "-storepass",
        "node-pass-" + name,
        "-keypass",
        "node-pass-" + name);
    keytool(
        "-exportcert",
        "-alias",
        name,
        "-rfc",
        "-keystore",
        dir.resolve("node.p12").toString(),
        "-storepass",
        "node-pass-" + name,
        "-file",
        dir.resolve("node.crt").toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        name,
        "-file",
        dir.resolve("node.crt").toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        dir.resolve("trust.p12").toString(),
        "-storepass",
        "trust-pass-" + name);
    Path conf = dir.resolve("tls.conf");
    Files.writeString(
        conf,
        "key-store = \"node.p12\"\n"
            + "key-store-password = \"node-pass-"
            + name
            + "\"\n"
            + "trust-store = \"trust.p12\"\n"
            + "trust-store-password = \"trust-pass-"
            + name
            + "\"\n");
    return conf;
  }

  static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
      throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + out);
  }
}
