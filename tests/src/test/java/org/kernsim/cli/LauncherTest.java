package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code ./kernsim} launcher, run as a user runs it (bash, a fresh JVM): it makes a
 * class-data archive once per build and starts every later JVM from it. Run on a copy of the
 * launcher beside a copy of the built jar (no sources beside it, so it never rebuilds).
 */
class LauncherTest {

  record Ran(int code, String out, String err) {}

  private static Ran launch(Path launcher, String javaOpts, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (javaOpts != null) pb.environment().put("KERNSIM_JAVA_OPTS", javaOpts);
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the launcher did not finish: " + Files.readString(err));
    }
    Ran r =
        new Ran(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  @Test
  void makesAClassDataArchiveOncePerBuildAndStartsFromIt(@TempDir Path dir) throws Exception {
    Path launcher = copyOfLauncherAndJar(dir);
    Path target = dir.resolve("deploy/target");
    Path copy = target.resolve("kernsim.jar");
    Path jsa = target.resolve("kernsim.jsa");

    Ran first = launch(launcher, null, "scenarios");
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("workqueue-kick-cull"), first.out());
    assertTrue(first.err().contains("preparing a class-data archive"), first.err());
    assertTrue(Files.size(jsa) > 1_000_000, "an archive of " + Files.size(jsa) + " bytes");
    // the training run (an actor system) wrote the reference configuration's cache
    Path cache = target.resolve("kernsim-reference.bin");
    assertTrue(Files.size(cache) > 10_000, "a configuration cache of " + Files.size(cache));
    assertFalse(hasLeftovers(target), "a temporary archive left behind");

    // the next start maps it: with -Xshare:on a JVM that cannot use the archive refuses to start
    Ran second = launch(launcher, "-Xshare:on", "scenarios");
    assertEquals(0, second.code(), second.err());
    assertEquals(first.out(), second.out());
    assertEquals("", second.err(), "nothing prepared again, nothing said");

    // a newer jar (a rebuild): the archive is made again, and the JVM maps the new one
    long newer =
        Math.max(System.currentTimeMillis(), Files.getLastModifiedTime(jsa).toMillis() + 1);
    Files.setLastModifiedTime(copy, FileTime.fromMillis(newer));
    Ran rebuilt = launch(launcher, "-Xshare:on", "scenarios");
    assertEquals(0, rebuilt.code(), rebuilt.err());
    assertTrue(rebuilt.err().contains("preparing a class-data archive"), rebuilt.err());
    assertTrue(
        Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(copy)) >= 0,
        "the archive is as new as the jar");
  }

  @Test
  void aClusterRunStartsFromAnArchiveOfItsOwn(@TempDir Path dir) throws Exception {
    Path launcher = copyOfLauncherAndJar(dir);
    Path target = dir.resolve("deploy/target");
    Path jar = target.resolve("kernsim.jar");
    Path clusterJsa = target.resolve("kernsim-cluster.jsa");
    String[] clusterRun = {
      "run",
      "workqueue-kick-cull",
      "--set",
      "scenario.until=20s",
      "--cluster-nodes",
      "1",
      "--json",
      "--no-timeline"
    };

    Ran first = launch(launcher, null, clusterRun);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("traceSha256"), first.out());
    assertTrue(
        first.err().contains("preparing a class-data archive for cluster runs"), first.err());
    assertTrue(
        Files.size(clusterJsa) > Files.size(jar) / 4,
        "an archive of " + Files.size(clusterJsa) + " bytes");
    assertFalse(
        Files.exists(target.resolve("kernsim.jsa")), "a local run's archive: not asked for");
    assertFalse(hasLeftovers(target), "a temporary archive left behind");

    // the next cluster run maps it (-Xshare:on refuses to start without it), prepares nothing, and
    // loads Pekko's cluster classes from it
    Ran second = launch(launcher, "-Xshare:on -Xlog:class+load=info", clusterRun);
    assertEquals(0, second.code(), second.err());
    assertEquals("", second.err(), "nothing prepared again, nothing said");
    assertTrue(
        second
            .out()
            .lines()
            .anyMatch(
                l ->
                    l.contains(" org.apache.pekko.cluster.Cluster ")
                        && l.contains("shared objects file")),
        "org.apache.pekko.cluster.Cluster not from the archive");
    // a node started by hand (kernsim node) starts from it too
    Ran node = launch(launcher, "-Xshare:on", "node", "--help");
    assertEquals(0, node.code(), node.err());
    assertEquals("", node.err(), "nothing prepared: the cluster's archive is there");
  }

  /**
   * A copy of the launcher in {@code dir} beside a copy of the built jar ({@code deploy/target}),
   * with no sources, so that it never rebuilds; skips the test when there is no built jar.
   */
  private static Path copyOfLauncherAndJar(Path dir) throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path jar = root.resolve("deploy/target/kernsim.jar");
    assumeTrue(
        Files.isRegularFile(jar), "no " + jar + " (mvn verify builds it before these tests)");
    Path launcher = dir.resolve("kernsim");
    Files.copy(root.resolve("kernsim"), launcher);
    Path target = Files.createDirectories(dir.resolve("deploy/target"));
    Files.copy(jar, target.resolve("kernsim.jar"));
    return launcher;
  }

  /**
   * A temporary archive ({@code kernsim.jsa.PID}, {@code kernsim-cluster.jsa.PID}) or configuration
   * cache ({@code kernsim-reference.bin...tmp}) left behind.
   */
  private static boolean hasLeftovers(Path target) throws IOException {
    try (var s = Files.list(target)) {
      return s.anyMatch(
          p ->
              p.getFileName()
                  .toString()
                  .matches("kernsim(-cluster)?\\.jsa\\..+|kernsim-reference\\.bin.*\\.tmp"));
    }
  }
}
