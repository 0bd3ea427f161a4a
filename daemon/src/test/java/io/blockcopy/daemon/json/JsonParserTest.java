package io.blockcopy.daemon.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonParserTest
{
    @Test
    void readsEveryKindOfValueAndWritesItBack()
    {
        final String text = "{\"a\": [1, -2, 3.5, 1e3, true, false, null], " +
            "\"b\": {\"c\": \"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\"}}";
        final Object value = JsonParser.parse(text);
        final Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", java.util.Arrays.asList(1L, -2L, 3.5, 1000.0, true, false, null));
        expected.put("b", Map.of("c", "x\"y\\z\né\uD83D\uDE00"));
        assertThat(value).isEqualTo(expected);
        assertThat(JsonParser.parse(JsonWriter.QMP.write(value))).isEqualTo(expected);
    }

    @Test
    void integersTooLargeForALongBecomeDoublesAsInQemu()
    {
        assertThat(JsonParser.parse("123456789012345678901234")).isEqualTo(1.2345678901234568e23);
        assertThat(JsonParser.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesWhatIsNotStrictJson()
    {
        for (final String bad : List.of("", "{", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{'a':1}", "01", "1.", "-",
            "tru", "nul", "\"\\x\"", "\"a\u0001\"", "{\"a\":1}x", "[1 2]", "{\"a\":1, \"a\":2}", "\"\\ud800\"",
            "\"\\udc00\"", "{1:2}", "NaN"))
        {
            assertThatThrownBy(() -> JsonParser.parse(bad)).as(bad).isInstanceOf(JsonException.class)
                .hasMessageStartingWith("JSON parse error, ");
        }
        assertThat(JsonParser.parse("  [ ]  ")).isEqualTo(List.of());
    }

    @Test
    void namesTheProblemLikeQemu()
    {
        assertThatThrownBy(() -> JsonParser.parse("{\"a\":1, \"a\":2}")).hasMessage("JSON parse error, duplicate key");
        assertThatThrownBy(() -> JsonParser.parse("junk")).hasMessage("JSON parse error, invalid keyword 'junk'");
        assertThatThrownBy(() -> JsonParser.parse("]")).hasMessage("JSON parse error, expecting value");
    }

    @Test
    void refusesInvalidUtf8AndDeepNesting()
    {
        assertThatThrownBy(() -> JsonParser.parse(new byte[] {'"', (byte)0xc3, '"'}))
            .hasMessageContaining("UTF-8");
        assertThat(JsonParser.parse("\"é\"".getBytes(StandardCharsets.UTF_8))).isEqualTo("é");
        final String deep = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertThat(JsonParser.parse(deep)).isInstanceOf(List.class);
        assertThatThrownBy(() -> JsonParser.parse("[" + deep + "]"))
            .hasMessage("JSON nesting depth limit exceeded");
    }
}
