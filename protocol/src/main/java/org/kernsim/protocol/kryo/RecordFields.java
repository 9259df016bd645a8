package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A record's components read and written through method handles made once per class: the same bytes
 * as Kryo's {@link RecordSerializer} (components in the order of their names; a primitive through
 * its boxed type's serializer, a component of a final type without a class id, any other with one),
 * without its reflection on every call — {@code Method.invoke} per component and the access check
 * of {@code Constructor.newInstance} per record, which were 43 % of Kryo's time in a 3-node PHOLD
 * run (every hop's payload is a record). A subclass of {@code RecordSerializer}, so that what
 * treats records as records (the state copier) still does.
 */
final class RecordFields<T> extends RecordSerializer<T> {

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

  private static final MethodType INT_GETTER = MethodType.methodType(int.class, Object.class);
  private static final MethodType LONG_GETTER = MethodType.methodType(long.class, Object.class);

  /**
   * How a component is written: as Kryo's RecordSerializer writes it. An {@code int} or {@code
   * long} directly as Kryo's default serializers of their boxed types write them (a zigzag varint;
   * no kernsim Kryo registers other serializers for them, and wrappers are never written as
   * references), without boxing it and looking its serializer up.
   */
  private static final byte PRIMITIVE = 0, FINAL = 1, ANY = 2, INT = 3, LONG = 4;

  private final Class<T> type;
  private final String[] names; // in the order written
  private final Class<?>[] types;
  private final int[] index; // each written component's position in the canonical constructor
  private final byte[] mode;
  private final MethodHandle[] getters; // (Object)int, (Object)long or (Object)Object, by mode
  private final Constructor<T> constructor; // accessible: no access check per call

  /**
   * The serializer of record {@code type}, made once per class and shared by every Kryo instance (a
   * pool makes one per thread; the handles cost more to make than many writes): it holds no state
   * of a Kryo instance.
   */
  @SuppressWarnings("unchecked")
  static <T> RecordFields<T> of(Class<T> type) {
    return (RecordFields<T>) SHARED.get(type);
  }

  private static final ClassValue<RecordFields<?>> SHARED =
      new ClassValue<>() {
        @Override
        protected RecordFields<?> computeValue(Class<?> type) {
          return new RecordFields<>(type);
        }
      };

  private RecordFields(Class<T> type) {
    super(type);
    if (!type.isRecord()) throw new IllegalArgumentException(type + " is not a record");
    this.type = type;
    RecordComponent[] declared = type.getRecordComponents();
    Integer[] order = new Integer[declared.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparing(i -> declared[i].getName()));
    int n = declared.length;
    names = new String[n];
    types = new Class<?>[n];
    index = new int[n];
    mode = new byte[n];
    getters = new MethodHandle[n];
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
      for (int k = 0; k < n; k++) {
        RecordComponent rc = declared[order[k]];
        names[k] = rc.getName();
        types[k] = rc.getType();
        index[k] = order[k];
        Class<?> t = types[k];
        mode[k] =
            t == int.class
                ? INT
                : t == long.class ? LONG : t.isPrimitive() ? PRIMITIVE : isFinal(t) ? FINAL : ANY;
        MethodHandle getter = lookup.unreflect(rc.getAccessor());
        getters[k] =
            getter.asType(t == int.class ? INT_GETTER : t == long.class ? LONG_GETTER : GETTER);
      }
      Class<?>[] params = new Class<?>[n];
      for (int i = 0; i < n; i++) params[i] = declared[i].getType();
      // reflection, not a method handle, for the allocation: its generated accessor allocates
      // the record class as a constant (a handle that is not a constant allocates out of line)
      constructor = type.getDeclaredConstructor(params);
      constructor.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot serialize record " + type.getName() + ": " + e, e);
    }
  }

  @Override
  public void write(Kryo kryo, Output out, T object) {
    for (int k = 0; k < getters.length; k++) {
      try {
        switch (mode[k]) {
          case INT -> out.writeVarInt((int) getters[k].invokeExact((Object) object), false);
          case LONG -> out.writeVarLong((long) getters[k].invokeExact((Object) object), false);
          default -> write(kryo, out, k, (Object) getters[k].invokeExact((Object) object));
        }
      } catch (KryoException e) {
        throw trace(e, k);
      } catch (Throwable t) {
        throw trace(new KryoException(t), k);
      }
    }
  }

  private void write(Kryo kryo, Output out, int k, Object v) {
    switch (mode[k]) {
      case PRIMITIVE -> kryo.writeObject(out, v);
      case FINAL -> kryo.writeObjectOrNull(out, v, types[k]);
      default -> kryo.writeClassAndObject(out, v);
    }
  }

  @Override
  public T read(Kryo kryo, Input in, Class<? extends T> ignored) {
    Object[] values = new Object[getters.length];
    for (int k = 0; k < getters.length; k++) {
      try {
        values[index[k]] =
            switch (mode[k]) {
              case INT -> Integer.valueOf(in.readVarInt(false));
              case LONG -> Long.valueOf(in.readVarLong(false));
              case PRIMITIVE -> kryo.readObject(in, types[k]);
              case FINAL -> kryo.readObjectOrNull(in, types[k]);
              default -> kryo.readClassAndObject(in);
            };
      } catch (KryoException e) {
        throw trace(e, k);
      }
    }
    try {
      return constructor.newInstance(values);
    } catch (java.lang.reflect.InvocationTargetException e) {
      // a compact constructor refusing the values read: as Kryo's own
      throw new KryoException("cannot construct " + type.getName() + ": " + e.getCause(), e);
    } catch (IllegalArgumentException e) {
      // a value of another class read for a component: the JDK's reflection words it in two ways
      // (its native accessor's "argument type mismatch", then its generated one's
      // ClassCastException with an identity hash); a refused frame's log line, one way
      throw new KryoException(
          "cannot construct " + type.getName() + ": a component of the wrong type", e);
    } catch (ReflectiveOperationException e) {
      throw new KryoException("cannot construct " + type.getName() + ": " + e, e);
    }
  }

  /** {@code Kryo.isFinal} (which no kernsim Kryo overrides): an array by its element class. */
  private static boolean isFinal(Class<?> type) {
    Class<?> c = type;
    while (c.isArray()) c = c.getComponentType();
    return java.lang.reflect.Modifier.isFinal(c.getModifiers());
  }

  private KryoException trace(KryoException e, int k) {
    e.addTrace(names[k] + " (" + types[k].getName() + ")");
    return e;
  }
}
