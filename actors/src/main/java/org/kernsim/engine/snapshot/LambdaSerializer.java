package org.kernsim.engine.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A lambda in an entity's state (a continuation waiting for a reply): written as its {@link
 * SerializedLambda} (the method it calls and its captured values, each through Kryo, so a captured
 * {@code this} stays the entity) and rebuilt with the capturing class's own {@code
 * $deserializeLambda$}. Unlike Kryo's {@code ClosureSerializer} it never opens {@code
 * SerializedLambda.readResolve} (private to {@code java.base}), so no {@code --add-opens} is
 * needed. The lambda's interface must extend {@link java.io.Serializable}: that is what makes the
 * compiler emit the {@code writeReplace} and {@code $deserializeLambda$} this relies on.
 */
final class LambdaSerializer extends Serializer<Object> {
  private static final Map<Class<?>, Method> WRITE_REPLACE = new ConcurrentHashMap<>();
  private static final Map<Class<?>, Method> DESERIALIZE = new ConcurrentHashMap<>();

  LambdaSerializer() {
    super(false, false);
  }

  @Override
  public void write(Kryo kryo, Output out, Object lambda) {
    SerializedLambda s = serialized(lambda);
    out.writeString(s.getCapturingClass().replace('/', '.'));
    out.writeString(s.getFunctionalInterfaceClass());
    out.writeString(s.getFunctionalInterfaceMethodName());
    out.writeString(s.getFunctionalInterfaceMethodSignature());
    out.writeVarInt(s.getImplMethodKind(), true);
    out.writeString(s.getImplClass());
    out.writeString(s.getImplMethodName());
    out.writeString(s.getImplMethodSignature());
    out.writeString(s.getInstantiatedMethodType());
    out.writeVarInt(s.getCapturedArgCount(), true);
    for (int i = 0; i < s.getCapturedArgCount(); i++)
      kryo.writeClassAndObject(out, s.getCapturedArg(i));
  }

  static SerializedLambda serialized(Object lambda) {
    Class<?> c = lambda.getClass();
    Method m =
        WRITE_REPLACE.computeIfAbsent(
            c,
            k -> {
              try {
                Method w = k.getDeclaredMethod("writeReplace");
                w.setAccessible(true);
                return w;
              } catch (NoSuchMethodException e) {
                return null;
              }
            });
    Object s = null;
    if (m != null) {
      try {
        s = m.invoke(lambda);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new KryoException("cannot serialize lambda " + c.getName(), e);
      }
    }
    if (!(s instanceof SerializedLambda)) {
      throw new KryoException(
          "snapshot: the state holds a lambda ("
              + Environment.stableName(c)
              + ") whose interface is not java.io.Serializable; make the interface it implements"
              + " extend Serializable so that it can be written");
    }
    return (SerializedLambda) s;
  }

  @Override
  public Object read(Kryo kryo, Input in, Class<?> type) {
    String capturing = in.readString();
    String iface = in.readString();
    String ifaceMethod = in.readString();
    String ifaceSignature = in.readString();
    int kind = in.readVarInt(true);
    String implClass = in.readString();
    String implMethod = in.readString();
    String implSignature = in.readString();
    String instantiated = in.readString();
    Object[] captured = new Object[in.readVarInt(true)];
    for (int i = 0; i < captured.length; i++) captured[i] = kryo.readClassAndObject(in);
    return rebuild(
        capturing,
        iface,
        ifaceMethod,
        ifaceSignature,
        kind,
        implClass,
        implMethod,
        implSignature,
        instantiated,
        captured,
        kryo.getClassLoader());
  }

  /** The lambda {@code template} describes, with {@code captured} as its captured values. */
  static Object rebuild(SerializedLambda template, Object[] captured, ClassLoader loader) {
    return rebuild(
        template.getCapturingClass().replace('/', '.'),
        template.getFunctionalInterfaceClass(),
        template.getFunctionalInterfaceMethodName(),
        template.getFunctionalInterfaceMethodSignature(),
        template.getImplMethodKind(),
        template.getImplClass(),
        template.getImplMethodName(),
        template.getImplMethodSignature(),
        template.getInstantiatedMethodType(),
        captured,
        loader);
  }

  private static Object rebuild(
      String capturing,
      String iface,
      String ifaceMethod,
      String ifaceSignature,
      int kind,
      String implClass,
      String implMethod,
      String implSignature,
      String instantiated,
      Object[] captured,
      ClassLoader loader) {
    try {
      Class<?> cap = Class.forName(capturing, false, loader);
      SerializedLambda s =
          new SerializedLambda(
              cap,
              iface,
              ifaceMethod,
              ifaceSignature,
              kind,
              implClass,
              implMethod,
              implSignature,
              instantiated,
              captured);
      Method d =
          DESERIALIZE.computeIfAbsent(
              cap,
              k -> {
                try {
                  Method m = k.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
                  m.setAccessible(true);
                  return m;
                } catch (NoSuchMethodException e) {
                  throw new KryoException("no serializable lambda in " + k.getName(), e);
                }
              });
      return d.invoke(null, s);
    } catch (ClassNotFoundException | IllegalAccessException | InvocationTargetException e) {
      throw new KryoException("cannot rebuild a lambda of " + capturing + "." + implMethod, e);
    }
  }
}
