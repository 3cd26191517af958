package io.dplora.samples.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlTextTest {

    @Test
    void stripsTagsScriptsStylesAndComments() {
        String html = "<html><head><title>T</title><style>p {color: red}</style></head><body>"
                + "<script>var x = '<b>';</script><!-- hidden <p>comment</p> -->"
                + "<p>Buy <b>now</b>!</p><div>V<b></b>iagra</div></body></html>";
        assertEquals("Buy now!\n\nViagra", HtmlText.toText(html)); // </p><div>: at most one empty line
    }

    @Test
    void blockTagsBreakLinesAndCellsAreSpaced() {
        assertEquals("a\nb\nc\n\nd", HtmlText.toText("a<br>b<BR/>c<table><tr><td>d</td></tr></table>"));
        assertEquals("x y", HtmlText.toText("<td>x</td><td>y</td>"));
    }

    @Test
    void decodesNumericAndCommonNamedEntitiesAfterStrippingTags() {
        assertEquals("caf\u00e9 \u00e9 & <b> \"q\" \u00a9 \u20ac", HtmlText.toText(
                "caf&eacute; &#233; &amp; &lt;b&gt; &quot;q&quot; &copy; &#x20AC;"));
        assertEquals("a b", HtmlText.toText("a&nbsp;b"));
        assertEquals("&unknown; AT&T &#0;", HtmlText.decodeEntities("&unknown; AT&T &#0;"));
    }

    @Test
    void lessThanInTextIsNotATag() {
        assertEquals("if a < b and c > d", HtmlText.toText("if a < b and c > d"));
    }

    @Test
    void recognisesHtml() {
        assertTrue(HtmlText.looksLikeHtml("hello <HTML><body>x"));
        assertTrue(HtmlText.looksLikeHtml("line<br>line"));
        assertFalse(HtmlText.looksLikeHtml("a <b> c in plain text about <bold> tags"));
    }
}
