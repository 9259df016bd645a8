package org.kernsim.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference configuration from a cache file: what it gives is what Typesafe Config gives, and
 * it stands aside wherever that could differ.
 */
class ConfigCacheTest {
  @TempDir Path dir;
  private Path file;

  // a path that a substitution of pekko-actor-typed's reference.conf copies:
  // work-pulling.producer-controller = ${pekko.reliable-delivery.producer-controller}
  private static final String SOURCE =
      "pekko.reliable-delivery.producer-controller.durable-queue.retry-attempts";
  private static final String COPY =
      "pekko.reliable-delivery.work-pulling.producer-controller.durable-queue.retry-attempts";

  @BeforeEach
  void cacheFile() {
    file = dir.resolve("kernsim-reference.bin");
    System.setProperty(ConfigCache.PROPERTY, file.toString());
    ConfigCache.forget();
    ConfigFactory.invalidateCaches();
  }

  @AfterEach
  void clear() {
    System.clearProperty(ConfigCache.PROPERTY);
    System.clearProperty(SOURCE);
    System.clearProperty("config.resource");
    ConfigCache.forget();
    ConfigFactory.invalidateCaches();
  }

  @Test
  void writtenOnceThenReadAndTheSameAsTypesafeConfigs() {
    Config first = ConfigCache.load();
    assertEquals(ConfigCache.Source.WRITTEN, ConfigCache.lastSource());
    assertTrue(Files.isRegularFile(file), "the cache is written by the first load");
    assertEquals(ConfigFactory.load().root(), first.root());

    ConfigCache.forget(); // as a fresh JVM: read from the file
    Config cached = ConfigCache.load();
    assertEquals(ConfigCache.Source.CACHE, ConfigCache.lastSource());
    assertEquals(ConfigFactory.load().root(), cached.root(), "every key and value of load()");
    assertTrue(cached.hasPath("pekko.actor.default-dispatcher.throughput"));
    assertEquals(ConfigFactory.defaultReference().root(), ConfigCache.defaultReference().root());
    assertEquals(ConfigCache.Source.CACHE, ConfigCache.lastSource());
  }

  @Test
  void noPropertyNoCache() {
    System.clearProperty(ConfigCache.PROPERTY);
    assertEquals(ConfigFactory.load().root(), ConfigCache.load().root());
    assertEquals(ConfigCache.Source.TYPESAFE, ConfigCache.lastSource());
    assertFalse(Files.exists(file));
  }

  @Test
  void aSystemPropertyThatASubstitutionCopiesBypassesTheCache() throws Exception {
    ConfigCache.load(); // written
    ConfigCache.forget();
    assertEquals(10, ConfigCache.load().getInt(COPY));
    assertEquals(ConfigCache.Source.CACHE, ConfigCache.lastSource());

    System.setProperty(SOURCE, "17");
    ConfigFactory.invalidateCaches();
    Config c = ConfigCache.load();
    assertEquals(17, c.getInt(COPY), "the copy follows the system property");
    assertEquals(ConfigFactory.load().root(), c.root());
    assertEquals(ConfigCache.Source.BYPASSED, ConfigCache.lastSource());
    assertEquals(17, ConfigCache.defaultReference().getInt(COPY));
    assertEquals(ConfigCache.Source.BYPASSED, ConfigCache.lastSource());
  }

  @Test
  void anApplicationConfigurationBypassesTheCache() {
    ConfigCache.load(); // written
    System.setProperty("config.resource", "config-cache-test-application.conf");
    ConfigFactory.invalidateCaches();
    Config c = ConfigCache.load();
    assertEquals(7, c.getInt("pekko.actor.default-dispatcher.throughput"));
    assertEquals(ConfigFactory.load().root(), c.root());
    assertEquals(ConfigCache.Source.BYPASSED, ConfigCache.lastSource());
  }

  @Test
  void aCacheOfAnotherClassPathOrDamagedIsWrittenAgain() throws Exception {
    ConfigCache.load();
    byte[] good = Files.readAllBytes(file);
    String classPath = System.getProperty("java.class.path");
    try {
      // another build's class path: one more jar
      Path jar = Files.write(dir.resolve("another.jar"), new byte[] {1, 2, 3});
      System.setProperty("java.class.path", classPath + java.io.File.pathSeparator + jar);
      assertLoadedAsFreshFrom(ConfigCache.Source.WRITTEN, "another class path");
      assertFalse(java.util.Arrays.equals(good, Files.readAllBytes(file)));
      assertLoadedAsFreshFrom(ConfigCache.Source.CACHE, "the cache just written");
      Files.write(jar, new byte[] {1, 2, 3, 4}); // the jar rebuilt
      assertLoadedAsFreshFrom(ConfigCache.Source.WRITTEN, "a changed jar");
    } finally {
      System.setProperty("java.class.path", classPath);
    }

    Files.write(file, java.util.Arrays.copyOf(good, good.length / 2)); // truncated
    assertLoadedAsFreshFrom(ConfigCache.Source.WRITTEN, "a damaged cache");
    assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(file)));
    assertLoadedAsFreshFrom(ConfigCache.Source.CACHE, "the cache written again");
  }

  /** As a fresh JVM: load() gives what Typesafe Config gives, from {@code source}. */
  private static void assertLoadedAsFreshFrom(ConfigCache.Source source, String what) {
    ConfigCache.forget();
    assertEquals(ConfigFactory.load().root(), ConfigCache.load().root(), what);
    assertEquals(source, ConfigCache.lastSource(), what);
  }

  @Test
  void theSystemsLoaderHidesOnlyTheReference() throws Exception {
    ClassLoader l = ConfigCache.systemClassLoader();
    ClassLoader parent = Thread.currentThread().getContextClassLoader();
    assertTrue(Collections.list(parent.getResources("reference.conf")).size() > 0);
    assertTrue(Collections.list(l.getResources("reference.conf")).isEmpty());
    assertEquals(null, l.getResource("reference.conf"));
    assertEquals(0, l.resources("reference.conf").count());
    assertSame(
        parent.loadClass("org.apache.pekko.actor.ActorSystem"),
        l.loadClass("org.apache.pekko.actor.ActorSystem"));
    assertTrue(l.getResource("org/apache/pekko/actor/ActorSystem.class") != null);
    assertTrue(
        ConfigFactory.defaultReference(l)
            .withoutPath("java")
            .withoutPath("user")
            .root()
            .keySet()
            .stream()
            .noneMatch("pekko"::equals),
        "Pekko finds no reference to parse");

    // an actor system on the cached configuration and this loader has the whole of it
    ConfigCache.load();
    ConfigCache.forget();
    Config config = ConfigCache.load();
    assertEquals(ConfigCache.Source.CACHE, ConfigCache.lastSource());
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "config-cache-test",
            ActorSystemSetup.create(
                BootstrapSetup.create(Optional.of(l), Optional.of(config), Optional.empty())));
    try {
      Config seen = system.settings().config();
      assertEquals(
          config.getConfig("pekko.actor.default-dispatcher").root(),
          seen.getConfig("pekko.actor.default-dispatcher").root());
      assertEquals(config.getString("pekko.version"), seen.getString("pekko.version"));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }
}
