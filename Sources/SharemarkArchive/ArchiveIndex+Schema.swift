import Dispatch
import Foundation
import GRDB
internal import GRDBSQLite
import Synchronization

/// The index's tables and their migrations.
extension ArchiveIndex {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE pages (
                    rowid INTEGER PRIMARY KEY,
                    path TEXT NOT NULL UNIQUE,
                    category TEXT NOT NULL,
                    id TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    title TEXT,
                    has_footer INTEGER NOT NULL,
                    mirror_url TEXT,
                    mirror_url_line INTEGER,
                    linked_mirror_url TEXT,
                    link_line INTEGER,
                    qr_image_url TEXT,
                    qr_image_line INTEGER,
                    qr_asset TEXT,
                    original_url TEXT,
                    original_line INTEGER,
                    original_key TEXT,
                    date TEXT,
                    invalid_utf8 INTEGER NOT NULL,
                    has_bom INTEGER NOT NULL,
                    crlf INTEGER NOT NULL,
                    mirror_owner TEXT,
                    mirror_repository TEXT,
                    mirror_branch TEXT,
                    alias_used INTEGER NOT NULL DEFAULT 0,
                    legacy_image INTEGER NOT NULL,
                    asset_outside_archive INTEGER NOT NULL,
                    problems TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX pages_id ON pages(id);
                CREATE INDEX pages_category_id ON pages(category, id);
                CREATE INDEX pages_original_key ON pages(original_key);
                CREATE INDEX pages_qr_asset ON pages(qr_asset);
                CREATE TABLE assets (
                    path TEXT PRIMARY KEY,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE VIRTUAL TABLE title_fts USING fts5(title, tokenize = 'trigram');
                """)
        }
        migrator.registerMigration("v2-problem-kinds") { db in
            // Problems now carry a kind: read every page again on the next update.
            try db.execute(sql: "UPDATE pages SET size = -1")
        }
        migrator.registerMigration("v3-house-style") { db in
            // The form of each footer's image link and the style of the footer, for inferring
            // the archive's house style: read every page again on the next update.
            try db.execute(sql: """
                ALTER TABLE pages ADD COLUMN image_form TEXT;
                ALTER TABLE pages ADD COLUMN footer_style TEXT;
                UPDATE pages SET size = -1;
                DELETE FROM meta WHERE key = 'inferred';
                """)
        }
        migrator.registerMigration("v4-problems-json") { db in
            // Problems are stored as JSON (`PageRow.problems`): read every page again on the
            // next update; until then the rows have none.
            try db.execute(sql: "UPDATE pages SET problems = '[]', size = -1")
        }
        migrator.registerMigration("v5-footer-style-table") { db in
            // Each footer style once, in its own table: pages of one archive share one or two
            // styles, and the style's text in every row made rows half again as large.
            try db.execute(sql: """
                CREATE TABLE footer_styles (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
                ALTER TABLE pages DROP COLUMN footer_style;
                ALTER TABLE pages ADD COLUMN footer_style_id INTEGER REFERENCES footer_styles(id);
                UPDATE pages SET size = -1;
                DELETE FROM meta WHERE key = 'inferred';
                """)
        }
        migrator.registerMigration("v6-lookup-order") { db in
            // Lookups by id and by original URL return their pages in path order: with the path
            // in the index, SQLite reads them in that order instead of sorting them in a
            // temporary b-tree on every lookup.
            try db.execute(sql: """
                DROP INDEX pages_id;
                CREATE INDEX pages_id ON pages(id, path);
                DROP INDEX pages_original_key;
                CREATE INDEX pages_original_key ON pages(original_key, path);
                """)
        }
        migrator.registerMigration("v7-totals") { db in
            // Every command reports the pages without a footer, with invalid UTF-8 and with
            // problems: a partial index of just those pages answers without reading the table
            // (`readTotals` asks with this very condition, which is how SQLite picks it).
            try db.execute(sql: "CREATE INDEX pages_flagged ON pages(path) WHERE \(ArchiveIndex.flagged)")
        }
        migrator.registerMigration("v8-url-prefixes") { db in
            // URLs that end in what the row holds anyway are stored as a shared prefix or a
            // flag (`StoredURLs`): rows half the size. Rows written before keep every URL whole,
            // which reads the same; they shrink as their pages are read again.
            try db.execute(sql: """
                CREATE TABLE url_prefixes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
                ALTER TABLE pages ADD COLUMN linked_prefix INTEGER REFERENCES url_prefixes(id);
                ALTER TABLE pages ADD COLUMN qr_image_prefix INTEGER REFERENCES url_prefixes(id);
                ALTER TABLE pages ADD COLUMN original_prefix INTEGER REFERENCES url_prefixes(id);
                ALTER TABLE pages ADD COLUMN derived INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v9-titles-from-pages") { db in
            // The titles' full-text index reads the titles from `pages` (an external-content
            // table) instead of holding a copy of each: filling it for a new index took a
            // quarter less time. A title is taken out of it with the text it was indexed with,
            // read from its row before the row is deleted (`ArchiveIndex.write`).
            try db.execute(sql: """
                DROP TABLE title_fts;
                CREATE VIRTUAL TABLE title_fts USING fts5(title, content = 'pages', content_rowid = 'rowid', tokenize = 'trigram');
                INSERT INTO title_fts (title_fts) VALUES ('rebuild');
                """)
        }
        return migrator
    }
}
