package org.kernsim.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Canonical encodings of a message or note: a compact binary form for the trace hash, and a
 * name/value form for the trace file and the timeline. Works on records, enums, boxed primitives,
 * strings, lists and primitive arrays; anything else is a model error and fails loudly.
 */
public final class RecordCodec {

  private static final ClassValue<RecordCodec> CODECS =
      new ClassValue<>() {
        @Override
        protected RecordCodec computeValue(Class<?> type) {
          return new RecordCodec(type);
        }
      };

  /** Accessors are adapted once to (Object)Object, so each read is an exact invocation. */
  private static final java.lang.invoke.MethodType GETTER =
      java.lang.invoke.MethodType.methodType(Object.class, Object.class);

  private final Class<?> type;
  private final int typeCode;
  private final String[] names;
  private final MethodHandle[] accessors;

  private RecordCodec(Class<?> type) {
    this.type = type;
    this.typeCode = type.getName().hashCode();
    if (type.isRecord()) {
      RecordComponent[] rc = type.getRecordComponents();
      names = new String[rc.length];
      accessors = new MethodHandle[rc.length];
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      for (int i = 0; i < rc.length; i++) {
        names[i] = rc[i].getName();
        try {
          rc[i].getAccessor().setAccessible(true);
          accessors[i] = MethodHandles.lookup().unreflect(rc[i].getAccessor()).asType(GETTER);
        } catch (ReflectiveOperationException | RuntimeException e) {
          try {
            accessors[i] = lookup.unreflect(rc[i].getAccessor()).asType(GETTER);
          } catch (IllegalAccessException e2) {
            throw new IllegalStateException(
                "cannot read record component " + type + "." + names[i], e2);
          }
        }
      }
    } else {
      names = new String[0];
      accessors = new MethodHandle[0];
    }
  }

  public static RecordCodec of(Class<?> type) {
    return CODECS.get(type);
  }

  /** The short type name used in traces: the simple name, with enclosing classes for nesting. */
  public static String typeName(Object value) {
    if (value == null) return "null";
    Class<?> c = value instanceof Enum<?> e ? e.getDeclaringClass() : value.getClass();
    String n = c.getName();
    int dot = n.lastIndexOf('.');
    String simple = n.substring(dot + 1).replace('$', '.');
    return value instanceof Enum<?> e ? simple + "." + e.name() : simple;
  }

  public Class<?> type() {
    return type;
  }

  /**
   * Appends the canonical binary form of {@code value} to {@code out}: a tag byte, then the value
   * (big-endian); a record is its type code followed by each component in declaration order. The
   * encoder of each class is built once ({@link Encoder}): record components are read through
   * lambdas made by {@code LambdaMetafactory} from the accessors, primitive components without
   * boxing. {@link #encodeReflectively} is the same encoding written plainly; a test holds the two
   * to the same bytes.
   */
  public static void encode(Object value, Bytes out) {
    if (value == null) {
      out.put((byte) 0);
      return;
    }
    encoderOf(value.getClass()).write(value, out);
  }

  /**
   * The encoder of {@code type}: from a small direct-mapped cache by the class's identity hash (one
   * array read and a compare), else from {@link #ENCODERS}. The cache is shared by all threads
   * without locks: a slot holds an immutable pair, so a reader sees a whole pair or an older one,
   * and a pair of another class is only a miss.
   */
  private static Encoder encoderOf(Class<?> type) {
    int i = System.identityHashCode(type) & (CACHED - 1);
    Cached c = CACHE[i];
    if (c != null && c.type == type) return c.encoder;
    Encoder e = ENCODERS.get(type);
    CACHE[i] = new Cached(type, e);
    return e;
  }

  private static final int CACHED = 512; // a power of two

  private static final Cached[] CACHE = new Cached[CACHED];

  private static final class Cached {
    final Class<?> type;
    final Encoder encoder;

    Cached(Class<?> type, Encoder encoder) {
      this.type = type;
      this.encoder = encoder;
    }
  }

  /** How the values of one class are encoded. */
  private abstract static class Encoder {
    abstract void write(Object value, Bytes out);
  }

  private static final ClassValue<Encoder> ENCODERS =
      new ClassValue<>() {
        @Override
        protected Encoder computeValue(Class<?> type) {
          return encoderFor(type);
        }
      };

  private static Encoder encoderFor(Class<?> type) {
    if (type == Integer.class || type == Short.class || type == Byte.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 1).putInt(((Number) v).intValue());
        }
      };
    }
    if (type == Long.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 2).putLong((Long) v);
        }
      };
    }
    if (type == Boolean.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 3).put((byte) ((Boolean) v ? 1 : 0));
        }
      };
    }
    if (type == String.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          putString((String) v, out);
        }
      };
    }
    if (Enum.class.isAssignableFrom(type)) {
      Class<?> declaring = type.isEnum() ? type : type.getSuperclass(); // a constant with a body
      int code = declaring.getName().hashCode();
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 5).putInt(code).putInt(((Enum<?>) v).ordinal());
        }
      };
    }
    if (type == Double.class || type == Float.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 6).putLong(Double.doubleToLongBits(((Number) v).doubleValue()));
        }
      };
    }
    if (type.isRecord()) return new RecordEncoder(type);
    if (Collection.class.isAssignableFrom(type)) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          Collection<?> c = (Collection<?>) v;
          out.put((byte) 8).putInt(c.size());
          if (c instanceof List<?> l && c instanceof java.util.RandomAccess) {
            for (int i = 0, n = l.size(); i < n; i++) encode(l.get(i), out);
          } else {
            for (Object o : c) encode(o, out);
          }
        }
      };
    }
    if (type == int[].class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          int[] a = (int[]) v;
          out.put((byte) 9).putInt(a.length);
          for (int x : a) out.putInt(x);
        }
      };
    }
    if (type == long[].class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          long[] a = (long[]) v;
          out.put((byte) 10).putInt(a.length);
          for (long x : a) out.putLong(x);
        }
      };
    }
    if (type == Character.class) {
      return new Encoder() {
        @Override
        void write(Object v, Bytes out) {
          out.put((byte) 1).putInt((Character) v);
        }
      };
    }
    return new Encoder() {
      @Override
      void write(Object v, Bytes out) {
        throw new IllegalArgumentException(
            "kernsim messages must be records, enums, primitives, strings or lists: " + type);
      }
    };
  }

  /** UTF-8 with a length prefix; ASCII (nearly every string here) without a temporary array. */
  private static void putString(String s, Bytes out) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.put((byte) 4).putInt(bytes.length).put(bytes);
        return;
      }
    }
    out.put((byte) 4).putInt(n);
    out.ensure(n);
    byte[] buf = out.buf;
    int at = out.len;
    for (int i = 0; i < n; i++) buf[at + i] = (byte) s.charAt(i);
    out.len = at + n;
  }

  /** A record: its type code, then each component. */
  private static final class RecordEncoder extends Encoder {
    private final int typeCode;
    private final Component[] components;

    RecordEncoder(Class<?> type) {
      this.typeCode = type.getName().hashCode();
      RecordComponent[] rc = type.getRecordComponents();
      components = new Component[rc.length];
      for (int i = 0; i < rc.length; i++) components[i] = Component.of(type, rc[i]);
    }

    @Override
    void write(Object v, Bytes out) {
      out.put((byte) 7).putInt(typeCode);
      for (Component c : components) c.write(v, out);
    }
  }

  /** One record component, read without boxing when it is primitive. */
  private abstract static class Component {
    abstract void write(Object record, Bytes out);

    static Component of(Class<?> type, RecordComponent rc) {
      Class<?> t = rc.getType();
      try {
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
        MethodHandle getter = lookup.unreflect(rc.getAccessor());
        if (t == int.class || t == short.class || t == byte.class || t == char.class) {
          ToIntFunction<Object> f =
              lambda(lookup, getter, ToIntFunction.class, "applyAsInt", int.class);
          return new Component() {
            @Override
            void write(Object r, Bytes out) {
              out.put((byte) 1).putInt(f.applyAsInt(r));
            }
          };
        }
        if (t == long.class) {
          ToLongFunction<Object> f =
              lambda(lookup, getter, ToLongFunction.class, "applyAsLong", long.class);
          return new Component() {
            @Override
            void write(Object r, Bytes out) {
              out.put((byte) 2).putLong(f.applyAsLong(r));
            }
          };
        }
        if (t == boolean.class) {
          Predicate<Object> f = lambda(lookup, getter, Predicate.class, "test", boolean.class);
          return new Component() {
            @Override
            void write(Object r, Bytes out) {
              out.put((byte) 3).put((byte) (f.test(r) ? 1 : 0));
            }
          };
        }
        if (t == double.class || t == float.class) {
          ToDoubleFunction<Object> f =
              lambda(lookup, getter, ToDoubleFunction.class, "applyAsDouble", double.class);
          return new Component() {
            @Override
            void write(Object r, Bytes out) {
              out.put((byte) 6).putLong(Double.doubleToLongBits(f.applyAsDouble(r)));
            }
          };
        }
        Function<Object, Object> f = lambda(lookup, getter, Function.class, "apply", Object.class);
        return new Component() {
          @Override
          void write(Object r, Bytes out) {
            encode(f.apply(r), out);
          }
        };
      } catch (Throwable e) {
        // no lambda for this accessor (an unusual class loader, say): the plain, boxing read
        RecordCodec codec = RecordCodec.of(type);
        MethodHandle accessor = codec.accessors[indexOf(type, rc)];
        return new Component() {
          @Override
          void write(Object r, Bytes out) {
            encode(codec.get(accessor, r), out);
          }
        };
      }
    }

    private static int indexOf(Class<?> type, RecordComponent rc) {
      RecordComponent[] all = type.getRecordComponents();
      for (int i = 0; i < all.length; i++) if (all[i].getName().equals(rc.getName())) return i;
      throw new IllegalStateException(rc.toString());
    }

    @SuppressWarnings("unchecked")
    private static <T> T lambda(
        MethodHandles.Lookup lookup,
        MethodHandle getter,
        Class<?> iface,
        String method,
        Class<?> returns)
        throws Throwable {
      java.lang.invoke.MethodType erased =
          java.lang.invoke.MethodType.methodType(returns, Object.class);
      java.lang.invoke.MethodType exact =
          java.lang.invoke.MethodType.methodType(
              returns == Object.class ? getter.type().returnType() : returns,
              getter.type().parameterType(0));
      if (returns == Object.class && exact.returnType().isPrimitive()) {
        throw new IllegalArgumentException("primitive component read as an object");
      }
      java.lang.invoke.CallSite site =
          java.lang.invoke.LambdaMetafactory.metafactory(
              lookup, method, java.lang.invoke.MethodType.methodType(iface), erased, getter, exact);
      return (T) site.getTarget().invoke();
    }
  }

  /**
   * The canonical binary form written plainly (every value through {@code instanceof} and every
   * record component through its boxed accessor): the reference {@link #encode} is held to.
   */
  public static void encodeReflectively(Object value, Bytes out) {
    if (value == null) {
      out.put((byte) 0);
    } else if (value instanceof Integer i) {
      out.put((byte) 1).putInt(i);
    } else if (value instanceof Long l) {
      out.put((byte) 2).putLong(l);
    } else if (value instanceof Boolean b) {
      out.put((byte) 3).put((byte) (b ? 1 : 0));
    } else if (value instanceof String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      out.put((byte) 4).putInt(bytes.length).put(bytes);
    } else if (value instanceof Enum<?> e) {
      out.put((byte) 5).putInt(e.getDeclaringClass().getName().hashCode()).putInt(e.ordinal());
    } else if (value instanceof Double d) {
      out.put((byte) 6).putLong(Double.doubleToLongBits(d));
    } else if (value instanceof Record) {
      RecordCodec codec = of(value.getClass());
      out.put((byte) 7).putInt(codec.typeCode);
      for (MethodHandle accessor : codec.accessors)
        encodeReflectively(codec.get(accessor, value), out);
    } else if (value instanceof Collection<?> c) {
      out.put((byte) 8).putInt(c.size());
      for (Object o : c) encodeReflectively(o, out);
    } else if (value instanceof int[] a) {
      out.put((byte) 9).putInt(a.length);
      for (int x : a) out.putInt(x);
    } else if (value instanceof long[] a) {
      out.put((byte) 10).putInt(a.length);
      for (long x : a) out.putLong(x);
    } else if (value instanceof Short || value instanceof Byte) {
      out.put((byte) 1).putInt(((Number) value).intValue());
    } else if (value instanceof Character c) {
      out.put((byte) 1).putInt(c);
    } else if (value instanceof Float f) {
      out.put((byte) 6).putLong(Double.doubleToLongBits(f));
    } else {
      throw new IllegalArgumentException(
          "kernsim messages must be records, enums, primitives, strings or lists: "
              + value.getClass());
    }
  }

  /**
   * The fields of {@code value} as an ordered name/value map of plain Java values (numbers,
   * strings, booleans, lists, nested maps), for JSON and for the timeline.
   */
  public static Map<String, Object> fields(Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (value instanceof Record) {
      RecordCodec codec = of(value.getClass());
      for (int i = 0; i < codec.names.length; i++) {
        out.put(codec.names[i], plain(codec.get(codec.accessors[i], value)));
      }
    }
    return out;
  }

  private static Object plain(Object v) {
    if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) return v;
    if (v instanceof Enum<?> e) return e.name();
    if (v instanceof Character c) return String.valueOf(c);
    if (v instanceof Record) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", typeName(v));
      m.putAll(fields(v));
      return m;
    }
    if (v instanceof Collection<?> c) return c.stream().map(RecordCodec::plain).toList();
    if (v instanceof int[] a) return java.util.Arrays.stream(a).boxed().toList();
    if (v instanceof long[] a) return java.util.Arrays.stream(a).boxed().toList();
    return String.valueOf(v);
  }

  /** A one-line human form: {@code Type{a=1, b=x}}. */
  public static String describe(Object value) {
    if (!(value instanceof Record)) return typeName(value);
    StringBuilder sb = new StringBuilder(typeName(value)).append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : fields(value).entrySet()) {
      if (!first) sb.append(", ");
      first = false;
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.append('}').toString();
  }

  private Object get(MethodHandle accessor, Object value) {
    try {
      return (Object) accessor.invokeExact(value);
    } catch (Throwable t) {
      throw new IllegalStateException("cannot read " + type.getName(), t);
    }
  }

  /** A growable byte buffer with big-endian writes; reused per entity to feed the digest. */
  public static final class Bytes {
    byte[] buf = new byte[128];
    int len;

    public Bytes put(byte b) {
      ensure(1);
      buf[len++] = b;
      return this;
    }

    public Bytes put(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    public Bytes putInt(int v) {
      ensure(4);
      buf[len] = (byte) (v >>> 24);
      buf[len + 1] = (byte) (v >>> 16);
      buf[len + 2] = (byte) (v >>> 8);
      buf[len + 3] = (byte) v;
      len += 4;
      return this;
    }

    public Bytes putLong(long v) {
      putInt((int) (v >>> 32));
      return putInt((int) v);
    }

    public void reset() {
      len = 0;
    }

    public byte[] array() {
      return buf;
    }

    public int length() {
      return len;
    }

    void ensure(int n) {
      if (len + n > buf.length)
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  static List<String> componentNames(Class<?> type) {
    return List.of(of(type).names);
  }
}
