package org.kernsim.engine.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.ReferenceResolver;
import com.esotericsoftware.kryo.util.IdentityObjectIntMap;
import com.esotericsoftware.kryo.util.Util;
import java.util.ArrayList;

/**
 * Kryo references within one snapshot stream, with the {@link Environment}'s objects as the first
 * ids: a reference to a configuration object is written as its number and read back as the
 * restoring simulation's object of that number. Everything else is numbered after them, per stream,
 * as Kryo's own {@code MapReferenceResolver} does (so identity and cycles within an entity's state
 * survive).
 */
final class EnvReferences implements ReferenceResolver {
  private Environment env;
  private int base;
  private final IdentityObjectIntMap<Object> written = new IdentityObjectIntMap<>();
  private int writtenCount;
  private final ArrayList<Object> read = new ArrayList<>();

  void setEnvironment(Environment env) {
    this.env = env;
    this.base = env == null ? 0 : env.size();
    reset();
  }

  @Override
  public void setKryo(Kryo kryo) {}

  @Override
  public int getWrittenId(Object object) {
    if (env != null) {
      int e = env.idOf(object);
      if (e >= 0) return e;
    }
    int id = written.get(object, -1);
    return id < 0 ? -1 : base + id;
  }

  @Override
  public int addWrittenObject(Object object) {
    int id = writtenCount++;
    written.put(object, id);
    return base + id;
  }

  @Override
  public int nextReadId(Class type) {
    read.add(null);
    return base + read.size() - 1;
  }

  @Override
  public void setReadObject(int id, Object object) {
    read.set(id - base, object);
  }

  @Override
  public Object getReadObject(Class type, int id) {
    if (id < base) return env.get(id);
    return read.get(id - base);
  }

  @Override
  public void reset() {
    written.clear(2048);
    writtenCount = 0;
    read.clear();
  }

  @Override
  public boolean useReferences(Class type) {
    return !Util.isWrapperClass(type) && type != String.class;
  }
}
