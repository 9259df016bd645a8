package org.kernsim.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The merged {@code reference.conf} of the class path (Pekko's 243 KB of it), resolved once and
 * kept in a file of its own, so that a fresh JVM builds its configuration from plain values instead
 * of parsing HOCON: Typesafe Config's parser, cold in a new JVM, took 150-230 ms of every start of
 * an actor system (docs/performance.md, "The reference configuration from a cache").
 *
 * <p>Used only where the system property {@value #PROPERTY} names the cache file (the launcher sets
 * it); without it, and whenever the cached values could differ from what Typesafe Config would
 * give, {@link #load()} and {@link #defaultReference()} are exactly {@code ConfigFactory.load()}
 * and {@code ConfigFactory.defaultReference()}. The cached values are the reference resolved on its
 * own; that is what Typesafe Config gives as long as nothing outside it changes a value that a
 * substitution of the reference copies ({@code sharding = ${pekko.cluster.sharding}}). So the cache
 * is not used when
 *
 * <ul>
 *   <li>it was made for another class path (its key: each class-path jar's path, length and
 *       modification time, each directory's path, and each {@code reference.conf} found with its
 *       CRC-32), or cannot be read;
 *   <li>a system property's path and a substitution's path overlap (one is the other or inside it;
 *       the paths are every {@code ${...}} of the files' text, comments included: more than needed,
 *       never fewer), or an environment variable named as a substitution's path has changed since
 *       it was made;
 *   <li>({@link #load()}) there is an application configuration ({@code application.conf}, or
 *       {@code config.resource}, {@code config.file}, {@code config.url}).
 * </ul>
 *
 * A missing or stale cache is written again (to a temporary file, then moved into place) from what
 * Typesafe Config gave; a cache that cannot be written is simply not written.
 */
public final class ConfigCache {
  private ConfigCache() {}

  /** The system property naming the cache file. */
  public static final String PROPERTY = "kernsim.config-cache";

  private static final int MAGIC = 0x4b52_4331; // "KRC1"
  private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??\\s*([^}\\s]+)\\s*\\}");

  /** Where the last {@link #load()} or {@link #defaultReference()} took the reference from. */
  public enum Source {
    /** Typesafe Config, no cache asked for. */
    TYPESAFE,
    /** The cache file. */
    CACHE,
    /** Typesafe Config, the cache written from it. */
    WRITTEN,
    /** Typesafe Config, the cache not usable for this configuration (see the class comment). */
    BYPASSED
  }

  private static volatile Source last = Source.TYPESAFE;

  // the cache read in this JVM: its key and its values
  private static volatile Cached cached;

  private record Cached(String key, Config reference, List<String> targets) {}

  /** Forgets the cache read in this JVM (tests: as a fresh JVM would start). */
  static void forget() {
    cached = null;
  }

  /** Where the last {@link #load()} or {@link #defaultReference()} took the reference from. */
  public static Source lastSource() {
    return last;
  }

  /**
   * As {@code ConfigFactory.load()}: system properties over the application's over the reference.
   */
  public static Config load() {
    Path file = file();
    if (file == null) return typesafe(Source.TYPESAFE, ConfigFactory::load);
    Config application = ConfigFactory.defaultApplication();
    if (!application.isEmpty()) return typesafe(Source.BYPASSED, ConfigFactory::load);
    Config reference = reference(file);
    if (reference == null) return ConfigFactory.load();
    return ConfigFactory.defaultOverrides().withFallback(reference).resolve();
  }

  /** As {@code ConfigFactory.defaultReference()}: system properties over the reference. */
  public static Config defaultReference() {
    Path file = file();
    if (file == null) return typesafe(Source.TYPESAFE, ConfigFactory::defaultReference);
    Config reference = reference(file);
    if (reference == null) return ConfigFactory.defaultReference();
    return ConfigFactory.systemProperties().withFallback(reference).resolve();
  }

  /**
   * The class loader to give an ActorSystem whose configuration holds the whole reference already
   * (built on {@link #load()} or {@link #defaultReference()}): this thread's context class loader
   * (Pekko's own default), but without {@code reference.conf} resources. Pekko lays {@code
   * ConfigFactory.defaultReference(its class loader)} under the configuration it is given, which
   * parses the reference again unless Typesafe Config has it cached for that loader; here it finds
   * nothing to parse, and adds nothing the configuration lacks. Classes and every other resource
   * come from the parent as before.
   */
  public static ClassLoader systemClassLoader() {
    ClassLoader parent = Thread.currentThread().getContextClassLoader();
    if (parent == null) parent = ConfigCache.class.getClassLoader();
    WithoutReference l = loader;
    if (l == null || l.getParent() != parent) l = loader = new WithoutReference(parent);
    return l;
  }

  private static volatile WithoutReference loader;

  /** A class loader as its parent, without {@code reference.conf}. */
  static final class WithoutReference extends ClassLoader {
    static {
      registerAsParallelCapable();
    }

    WithoutReference(ClassLoader parent) {
      super("kernsim-config-held", parent);
    }

    @Override
    public URL getResource(String name) {
      return REFERENCE.equals(name) ? null : super.getResource(name);
    }

    @Override
    public java.util.Enumeration<URL> getResources(String name) throws IOException {
      return REFERENCE.equals(name) ? Collections.emptyEnumeration() : super.getResources(name);
    }

    @Override
    public java.util.stream.Stream<URL> resources(String name) {
      return REFERENCE.equals(name) ? java.util.stream.Stream.empty() : super.resources(name);
    }
  }

  private static final String REFERENCE = "reference.conf";

  private static Config typesafe(Source source, java.util.function.Supplier<Config> load) {
    last = source;
    return load.get();
  }

  private static Path file() {
    String p = System.getProperty(PROPERTY);
    return p == null || p.isBlank() ? null : Path.of(p);
  }

  /**
   * The cached reference, resolved on its own, when it may be used here; null (and {@link #last}
   * set) when not — after writing the cache when it was missing or stale.
   */
  private static Config reference(Path file) {
    List<URL> resources = resources();
    String key = key(resources);
    if (key == null) {
      last = Source.BYPASSED;
      return null;
    }
    Cached c = cached;
    if (c == null || !c.key.equals(key)) {
      c = read(file, key);
      if (c == null) {
        write(file, key, resources);
        last = Source.WRITTEN;
        return null;
      }
      cached = c;
    }
    if (overlaps(c.targets)) {
      last = Source.BYPASSED;
      return null;
    }
    last = Source.CACHE;
    return c.reference;
  }

  private static List<URL> resources() {
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader == null) loader = ConfigCache.class.getClassLoader();
      return Collections.list(loader.getResources("reference.conf"));
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * What the cache is valid for: the class path's jars (path, length, modification time; a
   * directory by its path), and each {@code reference.conf} found with its CRC-32 (a jar's from its
   * directory, without reading it); null when they cannot be described.
   */
  static String key(List<URL> resources) {
    if (resources == null) return null;
    StringBuilder b = new StringBuilder();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (entry.isEmpty()) continue;
      File f = new File(entry);
      b.append(f.getAbsolutePath());
      if (f.isFile()) b.append('|').append(f.length()).append('|').append(f.lastModified());
      b.append('\n');
    }
    try {
      for (URL u : resources) b.append(u).append('|').append(crc(u)).append('\n');
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return b.toString();
  }

  private static long crc(URL u) throws IOException {
    java.net.URLConnection c = u.openConnection();
    if (c instanceof java.net.JarURLConnection j) {
      // the JDK's cached JarFile (one open file, as the class loader's): not opened per call
      java.util.jar.JarEntry e = j.getJarEntry();
      if (e != null && e.getCrc() != -1) return e.getCrc();
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    try (InputStream in = u.openStream()) {
      crc.update(in.readAllBytes());
    }
    return crc.getValue();
  }

  /** Whether a system property or an environment variable could change a substitution's value. */
  private static boolean overlaps(List<String> targets) {
    // with it, environment variables (CONFIG_FORCE_...) override as system properties do
    if (Boolean.parseBoolean(System.getProperty("config.override_with_env_vars"))) return true;
    Set<String> properties = System.getProperties().stringPropertyNames();
    for (String t : targets) {
      for (String p : properties) {
        if (p.equals(t) || p.startsWith(t + ".") || t.startsWith(p + ".")) return true;
      }
    }
    return false;
  }

  /**
   * The environment the cache was made in, for the substitutions' paths: compared as part of the
   * key.
   */
  private static String environment(List<String> targets) {
    StringBuilder b = new StringBuilder();
    for (String t : targets) {
      String v = System.getenv(t);
      if (v != null) b.append(t).append('=').append(v).append('\n');
    }
    return b.toString();
  }

  private static Cached read(Path file, String key) {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readInt() != MAGIC) return null;
      if (!key.equals(readString(in))) return null;
      int n = in.readInt();
      if (n < 0 || n > 100_000) return null;
      List<String> targets = new ArrayList<>(n);
      for (int i = 0; i < n; i++) targets.add(readString(in));
      if (!environment(targets).equals(readString(in))) return null;
      Object root = readValue(in, 0);
      if (!(root instanceof Map<?, ?> map) || in.read() != -1) return null;
      @SuppressWarnings("unchecked")
      Map<String, Object> values = (Map<String, Object>) map;
      Config reference =
          ConfigValueFactory.fromMap(values, "reference.conf (kernsim's cache " + file + ")")
              .toConfig();
      return new Cached(key, reference, List.copyOf(targets));
    } catch (IOException | RuntimeException e) {
      return null; // missing, truncated, another format: written again
    }
  }

  private static void write(Path file, String key, List<URL> resources) {
    Path tmp = null;
    try {
      Set<String> targets = new TreeSet<>();
      for (URL u : resources) {
        try (InputStream in = u.openStream()) {
          Matcher m = SUBSTITUTION.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          while (m.find()) targets.add(unquote(m.group(1)));
        }
      }
      // resolved on its own, without system properties: they are laid over it at every use
      Config reference = ConfigFactory.parseResources("reference.conf").resolve();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(MAGIC);
        writeString(out, key);
        out.writeInt(targets.size());
        for (String t : targets) writeString(out, t);
        writeString(out, environment(List.copyOf(targets)));
        writeValue(out, reference.root().unwrapped());
      }
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try {
        // as a file the launcher makes: readable by whoever may run the jar
        Files.setPosixFilePermissions(
            tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its default
      }
      try (var out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
        bytes.writeTo(out);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException | RuntimeException e) {
      // not written: the next start parses the reference again
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // left behind
        }
      }
    }
  }

  /** A substitution's path as a key: {@code "a"."b"} as {@code a.b} (good enough to compare). */
  private static String unquote(String path) {
    return path.replace("\"", "");
  }

  private static final byte NULL = 0, MAP = 1, LIST = 2, STRING = 3, INT = 4, LONG = 5;
  private static final byte DOUBLE = 6, TRUE = 7, FALSE = 8;

  private static void writeValue(DataOutputStream out, Object v) throws IOException {
    if (v == null) {
      out.writeByte(NULL);
    } else if (v instanceof Map<?, ?> m) {
      out.writeByte(MAP);
      out.writeInt(m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        writeString(out, (String) e.getKey());
        writeValue(out, e.getValue());
      }
    } else if (v instanceof List<?> l) {
      out.writeByte(LIST);
      out.writeInt(l.size());
      for (Object x : l) writeValue(out, x);
    } else if (v instanceof String s) {
      out.writeByte(STRING);
      writeString(out, s);
    } else if (v instanceof Integer i) {
      out.writeByte(INT);
      out.writeInt(i);
    } else if (v instanceof Long l) {
      out.writeByte(LONG);
      out.writeLong(l);
    } else if (v instanceof Double d) {
      out.writeByte(DOUBLE);
      out.writeDouble(d);
    } else if (v instanceof Boolean b) {
      out.writeByte(b ? TRUE : FALSE);
    } else {
      throw new IOException("a value of " + v.getClass() + " in the reference configuration");
    }
  }

  private static Object readValue(DataInputStream in, int depth) throws IOException {
    if (depth > 64) throw new IOException("nested too deep");
    byte tag = in.readByte();
    switch (tag) {
      case NULL:
        return null;
      case MAP:
        {
          int n = count(in);
          Map<String, Object> m = new HashMap<>(n * 2);
          for (int i = 0; i < n; i++) m.put(readString(in), readValue(in, depth + 1));
          return m;
        }
      case LIST:
        {
          int n = count(in);
          List<Object> l = new ArrayList<>(n);
          for (int i = 0; i < n; i++) l.add(readValue(in, depth + 1));
          return l;
        }
      case STRING:
        return readString(in);
      case INT:
        return in.readInt();
      case LONG:
        return in.readLong();
      case DOUBLE:
        return in.readDouble();
      case TRUE:
        return Boolean.TRUE;
      case FALSE:
        return Boolean.FALSE;
      default:
        throw new IOException("tag " + tag);
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1_000_000) throw new IOException("count " + n);
    return n;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 24) throw new IOException("length " + n);
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}
