package dev.stride.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where the first statement ends: a ';' inside quotes, names and comments ends nothing. */
class SqlTextTest {

    @Test
    void whatFollowsTheFirstStatementIsFound() {
        assertThat(SqlText.afterFirstStatement("SELECT 1; DELETE FROM runs")).contains("DELETE FROM runs");
        assertThat(SqlText.afterFirstStatement("SELECT 1;;\n  -- then\n  VACUUM")).contains("VACUUM");
        assertThat(SqlText.afterFirstStatement("SELECT 1; /* more */ DROP VIEW progress"))
                .contains("DROP VIEW progress");
    }

    @Test
    void aSemicolonInQuotesNamesOrCommentsEndsNothing() {
        for (String one : new String[] {
            "SELECT 'a;b'", "SELECT 'it''s; fine'", "SELECT 1 AS \"x;y\"", "SELECT 1 AS \"say \"\"hi\"\"; ok\"",
            "SELECT 1 AS `a;b`", "SELECT 1 AS [a;b]", "SELECT 1 -- ; DELETE FROM runs", "SELECT 1 /* ; */ + 1",
            "SELECT x'3b'"}) {
            assertThat(SqlText.afterFirstStatement(one)).as(one).isEmpty();
        }
    }

    @Test
    void trailingSemicolonsSpacesAndCommentsAreNoSecondStatement() {
        assertThat(SqlText.afterFirstStatement("SELECT 1;")).isEmpty();
        assertThat(SqlText.afterFirstStatement("SELECT 1 ; ; \n")).isEmpty();
        assertThat(SqlText.afterFirstStatement("SELECT 1; -- that is all")).isEmpty();
        assertThat(SqlText.afterFirstStatement("SELECT 1; /* unclosed")).isEmpty();
    }

    @Test
    void aTextOfOnlySpacesCommentsAndSemicolonsIsEmpty() {
        assertThat(SqlText.isEmpty("")).isTrue();
        assertThat(SqlText.isEmpty(" ;\n\t; ")).isTrue();
        assertThat(SqlText.isEmpty("-- nothing\n/* at all */")).isTrue();
        assertThat(SqlText.isEmpty("-- nothing\nSELECT 1")).isFalse();
        assertThat(SqlText.fromFirstStatement(" ; -- x\n SELECT 1")).isEqualTo("SELECT 1");
    }

    @Test
    void aQuoteIsOneLineAndCut() {
        assertThat(SqlText.quote("  DELETE\n   FROM\truns ; ")).isEqualTo("DELETE FROM runs");
        assertThat(SqlText.quote("SELECT '" + "x".repeat(100) + "'"))
                .hasSize(SqlText.QUOTE_LENGTH).endsWith("x…");
        assertThat(SqlText.firstStatement("SELECT 1; DELETE FROM runs")).isEqualTo("SELECT 1");
    }
}
