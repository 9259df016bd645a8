package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.List;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;

/**
 * A window's events for one partition: the bulk of what crosses nodes, written without class tags.
 * The event count is checked against the bytes left of the frame before any event is read.
 */
final class BatchSerializer extends Serializer<PartitionCommand.Batch> {
  private final EventSerializer events = new EventSerializer();

  BatchSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output out, PartitionCommand.Batch b) {
    out.writeVarLong(b.window(), true);
    out.writeVarInt(b.from(), true);
    List<Event> l = b.events();
    out.writeVarInt(l.size(), true);
    for (int i = 0; i < l.size(); i++) events.write(kryo, out, l.get(i));
  }

  @Override
  public PartitionCommand.Batch read(
      Kryo kryo, Input in, Class<? extends PartitionCommand.Batch> type) {
    long window = in.readVarLong(true);
    int from = in.readVarInt(true);
    int n = WireInput.readCount(in, "batch", EventSerializer.MIN_BYTES);
    List<Event> l = new ArrayList<>(Math.min(n, 256));
    for (int i = 0; i < n; i++) l.add(events.read(kryo, in, Event.class));
    return new PartitionCommand.Batch(window, from, l);
  }
}
