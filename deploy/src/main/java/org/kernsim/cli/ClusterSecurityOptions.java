package org.kernsim.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.kernsim.config.ClusterConfig;
import org.kernsim.config.Tls;
import org.kernsim.protocol.kryo.ClusterToken;
import org.kernsim.scenario.BadInputException;
import picocli.CommandLine.Option;

/**
 * How a cluster node proves it belongs: the cluster's token (every node must hold it; a node
 * without it is refused, see docs/cluster.md) and, optionally, TLS between the nodes.
 */
final class ClusterSecurityOptions {

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = {
        "The cluster's token: the first line of FILE (at least 16 characters; keep the file",
        "private, chmod 600). Every node of a cluster needs the same token."
      })
  Path tokenFile;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "The cluster's token on the command line (visible in 'ps': prefer --token-file).")
  String token;

  @Option(
      names = "--token-stdin",
      hidden = true,
      description =
          "Read the token from the first line of standard input (children of --cluster-nodes).")
  boolean tokenStdin;

  @Option(
      names = "--tls-config",
      paramLabel = "FILE",
      description = {
        "Encrypt and authenticate the cluster's connections with TLS (Artery tls-tcp, mutual",
        "authentication): FILE names the key store, the trust store and their passwords",
        "(see docs/cluster.md). Every node of the cluster needs it."
      })
  Path tlsConfig;

  /** The TLS settings of {@code --tls-config}, checked (null without the flag). */
  com.typesafe.config.Config tls() {
    if (tlsConfig == null) return null;
    try {
      return Tls.fromFile(tlsConfig);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--tls-config " + e.getMessage());
    }
  }

  /**
   * The token given by flag, file or stdin; null when none was given.
   *
   * @throws BadInputException for two sources, an unreadable file or a short token
   */
  String token() {
    int sources = (token != null ? 1 : 0) + (tokenFile != null ? 1 : 0) + (tokenStdin ? 1 : 0);
    if (sources > 1)
      throw new BadInputException("--token, --token-file: give the cluster's token one way");
    String t;
    String what;
    if (token != null) {
      t = token;
      what = "--token";
    } else if (tokenFile != null) {
      what = "--token-file " + tokenFile;
      if (!Files.isRegularFile(tokenFile)) throw new BadInputException(what + ": no such file");
      try (BufferedReader r = Files.newBufferedReader(tokenFile, StandardCharsets.UTF_8)) {
        t = r.readLine();
      } catch (IOException e) {
        throw new BadInputException(what + ": cannot read it (" + e.getMessage() + ")");
      }
      warnIfShared(tokenFile);
    } else if (tokenStdin) {
      what = "--token-stdin";
      try {
        t = readLine();
      } catch (IOException e) {
        throw new BadInputException(what + ": " + e.getMessage());
      }
    } else {
      return null;
    }
    t = t == null ? "" : t.strip();
    if (t.length() < ClusterToken.MIN_LENGTH)
      throw new BadInputException(
          what + ": a cluster token has at least " + ClusterToken.MIN_LENGTH + " characters");
    return t;
  }

  /** One line of stdin, byte by byte (stdin stays open for the parent watch). */
  private static String readLine() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = System.in.read()) >= 0 && c != '\n') {
      if (b.length() > 4096) throw new IOException("the line is too long");
      b.append((char) c);
    }
    return b.toString();
  }

  private static void warnIfShared(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.OTHERS_READ))
        System.err.println(
            "kernsim: warning: --token-file "
                + file
                + " is readable by other users (chmod 600 it)");
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to say
    }
  }

  /** The security of a node that needs a token given by the user ({@code node}, {@code --join}). */
  ClusterConfig.Security required(String forWhat) {
    String t = token();
    if (t == null)
      throw new BadInputException(
          forWhat
              + " needs the cluster's token: --token-file FILE (the file every node of the cluster"
              + " was started with)");
    return new ClusterConfig.Security(t, tls());
  }

  /** Warns when {@code bind} is not a loopback address and the connections are not encrypted. */
  static void warnIfExposed(String option, String bind, boolean tls) {
    if (tls) return;
    boolean loopback;
    try {
      loopback = InetAddress.getByName(bind).isLoopbackAddress();
    } catch (UnknownHostException e) {
      loopback = false;
    }
    if (!loopback)
      System.err.println(
          "kernsim: warning: "
              + option
              + " "
              + bind
              + " without --tls-config: the cluster's traffic is not encrypted and anyone who"
              + " reaches the port can send to it (the token keeps strangers out of runs)");
  }
}
