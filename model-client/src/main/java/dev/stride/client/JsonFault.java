package dev.stride.client;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;

/**
 * Where a JSON text that Jackson refused goes wrong, in plain words. Jackson's own message names its parser's states
 * and features ("expected close marker for Object (start marker at [Source: REDACTED ..."), which mean nothing to the
 * reader of a log or a stored error, so only its location is kept.
 */
final class JsonFault {

    private JsonFault() {
    }

    /** "it ends before the JSON is complete", or "unexpected text at line 1, column 7". */
    static String describe(JsonProcessingException e) {
        if (e instanceof JsonEOFException) {
            return "it ends before the JSON is complete";
        }
        JsonLocation at = e.getLocation();
        if (at == null || at.getLineNr() < 1) {
            return "it is not valid JSON";
        }
        return at.getLineNr() == 1
                ? "unexpected text at column " + at.getColumnNr()
                : "unexpected text at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
}
