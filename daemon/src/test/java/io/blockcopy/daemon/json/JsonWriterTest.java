package io.blockcopy.daemon.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest
{
    @Test
    void writesControlCharactersAndLoneSurrogatesEscaped()
    {
        assertThat(JsonWriter.QMP.write("a\u0001b\uD800")).isEqualTo("\"a\\u0001b\\ud800\"");
        assertThat(JsonWriter.COMPACT.write("a\u0001b\uD800")).isEqualTo("\"a\\u0001b\\ud800\"");
    }

    @Test
    void qmpLayoutSpacesItsSeparatorsAndWritesDoublesInTheirShortestForm()
    {
        assertThat(JsonWriter.QMP.write(sample())).isEqualTo(
            "{\"n\": 7, \"d\": [2.5, 3.0, 1.0e-5], \"ok\": true, \"none\": null, \"in\": {\"s\": \"x\"}}");
    }

    @Test
    void compactLayoutHasNoSpacesAndWritesDoublesWithThreeDecimals()
    {
        assertThat(JsonWriter.COMPACT.write(sample())).isEqualTo(
            "{\"n\":7,\"d\":[2.500,3.000,0.000],\"ok\":true,\"none\":null,\"in\":{\"s\":\"x\"}}");
    }

    @Test
    void qmpLayoutRefusesNonFiniteDoubles()
    {
        assertThatThrownBy(() -> JsonWriter.QMP.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, Object> sample()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("n", 7L);
        map.put("d", List.of(2.5, 3.0, 1e-5));
        map.put("ok", true);
        map.put("none", null);
        map.put("in", Map.of("s", "x"));
        return map;
    }
}
