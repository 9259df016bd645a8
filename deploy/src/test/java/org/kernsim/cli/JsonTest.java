package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;

/** The CLI's JSON without the object mapper is, byte for byte, what the mapper writes. */
class JsonTest {

  @Test
  void aRunsJsonIsWrittenWithoutTheMapperAndAsTheMapperWritesIt() {
    for (String scenario :
        List.of("workqueue-kick-cull", "machine-stop", "kprobes-bulk-unregister")) {
      Map<String, Object> run =
          Runner.run(
                  new RunSpec(
                      scenario, List.of("scenario.until=5ms"), 3, -1, null, "sequential", 1, false))
              .json();
      assertTrue(Json.plain(run), scenario + ": maps, lists, strings and numbers only");
      assertEquals(Json.writeWithMapper(run), Json.write(run), scenario);
    }
  }

  @Test
  void everyKindOfValueIsWrittenAsTheMapperWritesIt() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("string", "a \"quoted\" line\nand a tab\t, unicode é ✓");
    m.put("true", true);
    m.put("int", -7);
    m.put("long", 1L << 40);
    m.put("double", 0.1 + 0.2);
    m.put("whole double", 3.0);
    m.put("nan", Double.NaN);
    m.put("float", 1.5f);
    m.put("short", (short) 12);
    m.put("byte", (byte) -3);
    m.put("big", new BigInteger("123456789012345678901234567890"));
    m.put("decimal", new BigDecimal("1.250"));
    m.put("null", null);
    m.put("ints", new int[] {1, 2, 3});
    m.put("longs", new long[] {});
    m.put("doubles", new double[] {0.5, 1e-9});
    m.put("list", List.of(1, "two", List.of(), Map.of()));
    m.put("set", new LinkedHashSet<>(List.of("x", "y")));
    Map<Object, Object> numbered = new LinkedHashMap<>();
    numbered.put(3, "three");
    numbered.put(4L, Arrays.asList(1, null));
    m.put("numbered keys", numbered);
    m.put("empty", new ArrayList<>());
    assertTrue(Json.plain(m));
    assertEquals(Json.writeWithMapper(m), Json.write(m));
    assertEquals(Json.writeWithMapper(List.of()), Json.write(List.of()));
    assertEquals(Json.writeWithMapper("s"), Json.write("s"));
  }

  record Point(int x, String y) {}

  enum Colour {
    RED
  }

  @Test
  void anythingElseGoesThroughTheMapper() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("point", new Point(1, "b"));
    assertFalse(Json.plain(m));
    assertEquals("{\n  \"point\" : {\n    \"x\" : 1,\n    \"y\" : \"b\"\n  }\n}", Json.write(m));
    assertFalse(Json.plain(List.of(Colour.RED)));
    assertEquals(Json.writeWithMapper(List.of(Colour.RED)), Json.write(List.of(Colour.RED)));
    assertFalse(Json.plain(Map.of(Colour.RED, 1)), "keys: strings and numbers only");
  }
}
