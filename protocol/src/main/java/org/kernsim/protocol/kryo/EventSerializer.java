package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.kernsim.protocol.engine.Event;

/**
 * The hot path of cross-node traffic: one scheduled delivery. Written field by field (Kryo's record
 * serializer reflects on every component), payload and timer key with their class ids.
 */
final class EventSerializer extends Serializer<Event> {
  /** The fewest bytes an event takes: four varints, two class ids and a varint. */
  static final int MIN_BYTES = 7;

  EventSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output out, Event e) {
    out.writeVarLong(e.time(), true);
    out.writeVarInt(e.src(), true);
    out.writeVarLong(e.seq(), true);
    out.writeVarInt(e.dst(), true);
    kryo.writeClassAndObject(out, e.payload());
    kryo.writeClassAndObject(out, e.timerKey());
    out.writeVarInt(e.timerGen(), false);
  }

  @Override
  public Event read(Kryo kryo, Input in, Class<? extends Event> type) {
    long time = in.readVarLong(true);
    int src = in.readVarInt(true);
    long seq = in.readVarLong(true);
    int dst = in.readVarInt(true);
    Object payload = kryo.readClassAndObject(in);
    Object timerKey = kryo.readClassAndObject(in);
    int gen = in.readVarInt(false);
    return new Event(time, src, seq, dst, payload, timerKey, gen);
  }
}
