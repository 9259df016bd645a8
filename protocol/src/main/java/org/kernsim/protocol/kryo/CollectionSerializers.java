package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * JDK collections without reflection into {@code java.base} (no {@code --add-opens} on JDK 17):
 * each is written as its size and elements (each with its class id) and read back as the same kind
 * of collection — mutable as mutable, unmodifiable as unmodifiable, in the same order. Sorted
 * collections must use natural ordering.
 *
 * <p>A received size is never trusted: it must fit in the bytes left of the frame (every element
 * takes at least a byte) and under {@code kernsim.kryo.max-elements}, and the elements are
 * collected as they are read, so a claimed size allocates nothing by itself.
 */
final class CollectionSerializers {
  private CollectionSerializers() {}

  static Serializer<?> list(Class<?> type) {
    Function<Object[], List<Object>> make;
    if (type == ArrayList.class) make = a -> new ArrayList<>(Arrays.asList(a));
    else if (type == LinkedList.class) make = a -> new LinkedList<>(Arrays.asList(a));
    else if (type == Arrays.asList().getClass()) make = Arrays::asList;
    else if (type == Collections.emptyList().getClass()) make = a -> Collections.emptyList();
    else if (type == Collections.singletonList(1).getClass())
      make = a -> Collections.singletonList(a[0]);
    else if (type.getName().startsWith("java.util.ImmutableCollections")) make = List::of;
    else make = a -> Collections.unmodifiableList(new ArrayList<>(Arrays.asList(a)));
    return new CollectionSerializer<>(make);
  }

  static Serializer<?> set(Class<?> type) {
    Function<Object[], Set<Object>> make;
    if (type == HashSet.class) make = a -> new HashSet<>(Arrays.asList(a));
    else if (type == LinkedHashSet.class) make = a -> new LinkedHashSet<>(Arrays.asList(a));
    else if (type == TreeSet.class) make = a -> new TreeSet<>(Arrays.asList(a));
    else if (type == Collections.emptySet().getClass()) make = a -> Collections.emptySet();
    else if (type == Collections.singleton(1).getClass()) make = a -> Collections.singleton(a[0]);
    else make = Set::of;
    return new CollectionSerializer<>(make);
  }

  static Serializer<?> map(Class<?> type) {
    Function<Object[], Map<Object, Object>> make;
    if (type == HashMap.class) make = a -> fill(new HashMap<>(), a);
    else if (type == LinkedHashMap.class) make = a -> fill(new LinkedHashMap<>(), a);
    else if (type == TreeMap.class) make = a -> fill(new TreeMap<>(), a);
    else if (type == Collections.emptyMap().getClass()) make = a -> Collections.emptyMap();
    else if (type == Collections.singletonMap(1, 1).getClass())
      make = a -> Collections.singletonMap(a[0], a[1]);
    else if (type == Collections.unmodifiableSortedMap(new TreeMap<>()).getClass()) {
      make = a -> Collections.unmodifiableSortedMap(fill(new TreeMap<>(), a));
    } else if (type.getName().startsWith("java.util.ImmutableCollections")) {
      make = a -> Map.copyOf(fill(new HashMap<>(), a));
    } else make = a -> Collections.unmodifiableMap(fill(new LinkedHashMap<>(), a));
    return new MapSerializer(make);
  }

  private static <M extends Map<Object, Object>> M fill(M m, Object[] kv) {
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  private static void checkNatural(Object c) {
    if ((c instanceof SortedSet<?> s && s.comparator() != null)
        || (c instanceof SortedMap<?, ?> m && m.comparator() != null)) {
      throw new IllegalArgumentException(
          "kernsim messages: sorted collections must use natural ordering");
    }
  }

  static final class CollectionSerializer<C extends Collection<Object>> extends Serializer<C> {
    private final Function<Object[], ? extends Collection<Object>> make;

    CollectionSerializer(Function<Object[], ? extends Collection<Object>> make) {
      super(false, false);
      this.make = make;
    }

    @Override
    public void write(Kryo kryo, Output out, C c) {
      checkNatural(c);
      out.writeVarInt(c.size(), true);
      for (Object o : c) kryo.writeClassAndObject(out, o);
    }

    @Override
    @SuppressWarnings("unchecked")
    public C read(Kryo kryo, Input in, Class<? extends C> type) {
      int n = WireInput.readCount(in, "collection", 1);
      List<Object> a = new ArrayList<>(Math.min(n, 64));
      for (int i = 0; i < n; i++) a.add(kryo.readClassAndObject(in));
      return (C) make.apply(a.toArray());
    }
  }

  static final class MapSerializer extends Serializer<Map<Object, Object>> {
    private final Function<Object[], Map<Object, Object>> make;

    MapSerializer(Function<Object[], Map<Object, Object>> make) {
      super(false, false);
      this.make = make;
    }

    @Override
    public void write(Kryo kryo, Output out, Map<Object, Object> m) {
      checkNatural(m);
      out.writeVarInt(m.size(), true);
      for (Map.Entry<Object, Object> e : m.entrySet()) {
        kryo.writeClassAndObject(out, e.getKey());
        kryo.writeClassAndObject(out, e.getValue());
      }
    }

    @Override
    public Map<Object, Object> read(
        Kryo kryo, Input in, Class<? extends Map<Object, Object>> type) {
      int n = WireInput.readCount(in, "map", 2);
      List<Object> kv = new ArrayList<>(Math.min(2 * n, 64));
      for (int i = 0; i < 2 * n; i++) kv.add(kryo.readClassAndObject(in));
      return make.apply(kv.toArray());
    }
  }
}
