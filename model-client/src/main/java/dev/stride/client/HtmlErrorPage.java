package dev.stride.client;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The words of an HTML error page, without its markup. Servers put them in different places:
 * <ul>
 *   <li>Express and Connect (finalhandler): {@code <title>Error</title>} and the message in {@code <pre>}, e.g.
 *       {@code <pre>Cannot POST /v1/completions</pre>}, or an error's stack with {@code <br>} between its lines;</li>
 *   <li>nginx, Apache, Tomcat and most proxies: the status in {@code <title>} and {@code <h1>}.</li>
 * </ul>
 * So the {@code <pre>} wins, then a title that says more than "Error", then the first heading, and for a page with
 * none of these, its text.
 */
final class HtmlErrorPage {

    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.DOTALL;
    private static final Pattern PRE = Pattern.compile("<pre\\b[^>]*>(.*?)</pre\\s*>", FLAGS);
    private static final Pattern TITLE = Pattern.compile("<title\\b[^>]*>(.*?)</title\\s*>", FLAGS);
    private static final Pattern H1 = Pattern.compile("<h1\\b[^>]*>(.*?)</h1\\s*>", FLAGS);
    private static final Pattern BODY = Pattern.compile("<body\\b[^>]*>(.*?)(?:</body\\s*>|$)", FLAGS);
    /** What a browser does not show: scripts, styles, comments, the head. */
    private static final Pattern HIDDEN = Pattern.compile(
            "<(script|style|head)\\b[^>]*>.*?</\\1\\s*>|<!--.*?-->|<!DOCTYPE[^>]*>", FLAGS);
    private static final Pattern LINE_BREAK = Pattern.compile("<br\\s*/?>|</(p|div|li|h[1-6])\\s*>", FLAGS);
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});");
    /** A line of a JavaScript stack trace ("at JSON.parse (<anonymous>)"), which says nothing to a user. */
    private static final Pattern STACK_FRAME = Pattern.compile("^\\s*at\\s.*");
    private static final Map<String, String> NAMED = Map.of(
            "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "nbsp", " ",
            "ndash", "–", "mdash", "—", "hellip", "…", "copy", "©");

    private HtmlErrorPage() {
    }

    /** True when {@code body} is markup rather than text or JSON: it starts with a tag. */
    static boolean looksLikeHtml(String body) {
        String start = body.stripLeading();
        return start.length() > 1 && start.charAt(0) == '<'
                && (Character.isLetter(start.charAt(1)) || start.charAt(1) == '!' || start.charAt(1) == '?');
    }

    /** The page's message as text (several lines possible); {@code null} if the page shows no text at all. */
    static String message(String html) {
        String pre = text(PRE, html);
        if (pre != null) {
            return withoutStackFrames(pre);
        }
        String title = text(TITLE, html);
        String h1 = text(H1, html);
        if (title != null && (h1 == null || !title.strip().equalsIgnoreCase("error"))) {
            return title;
        }
        if (h1 != null) {
            return h1;
        }
        String visible = HIDDEN.matcher(html).replaceAll(" ");
        Matcher body = BODY.matcher(visible);
        return plain(body.find() ? body.group(1) : visible);
    }

    private static String text(Pattern element, String html) {
        Matcher m = element.matcher(html);
        return m.find() ? plain(m.group(1)) : null;
    }

    /** Tags out, line breaks kept as newlines, entities decoded; {@code null} when nothing is left. */
    private static String plain(String fragment) {
        String text = LINE_BREAK.matcher(fragment).replaceAll("\n");
        text = TAG.matcher(text).replaceAll("");
        text = decodeEntities(text);
        return text.isBlank() ? null : text;
    }

    private static String withoutStackFrames(String text) {
        StringBuilder kept = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!STACK_FRAME.matcher(line).matches() && !line.isBlank()) {
                kept.append(kept.length() == 0 ? "" : "\n").append(line);
            }
        }
        return kept.length() == 0 ? text : kept.toString();
    }

    static String decodeEntities(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(entity(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String entity(String name, String whole) {
        if (name.charAt(0) == '#') {
            boolean hex = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X');
            try {
                int cp = Integer.parseInt(name.substring(hex ? 2 : 1), hex ? 16 : 10);
                return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : whole;
            } catch (NumberFormatException e) {
                return whole;
            }
        }
        return NAMED.getOrDefault(name.toLowerCase(Locale.ROOT), whole);
    }
}
