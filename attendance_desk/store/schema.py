"""Versioned schema: sqlite-utils `Migrations` records each step; `PRAGMA user_version` carries the
count so an older Attendance Desk recognises a newer file and refuses to touch it."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

MIGRATION_SET = "attendance_desk"
migrations = Migrations(MIGRATION_SET)


def run_script(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]}")


@migrations()
def m001_core(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE pupils (
            id INTEGER PRIMARY KEY,
            upn TEXT NOT NULL UNIQUE,
            surname TEXT NOT NULL,
            forename TEXT NOT NULL,
            preferred_name TEXT,
            dob TEXT,
            sex TEXT,
            year_group TEXT NOT NULL DEFAULT '',
            reg_group TEXT NOT NULL DEFAULT '',
            admission_date TEXT,
            leaving_date TEXT,
            sen TEXT NOT NULL DEFAULT '',          -- '', 'K' (SEN support), 'E' (EHCP)
            fsm INTEGER NOT NULL DEFAULT 0,
            looked_after INTEGER NOT NULL DEFAULT 0,
            child_in_need INTEGER NOT NULL DEFAULT 0,
            cp_plan INTEGER NOT NULL DEFAULT 0,
            young_carer INTEGER NOT NULL DEFAULT 0,
            cme_concern INTEGER NOT NULL DEFAULT 0,
            social_worker TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX pupils_by_group ON pupils(reg_group);

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            postcode TEXT NOT NULL DEFAULT '',
            phones TEXT NOT NULL DEFAULT '[]'       -- JSON list of {"kind", "number"}
        );
        CREATE TABLE pupil_contacts (
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            contact_id INTEGER NOT NULL REFERENCES contacts(id),
            relationship TEXT NOT NULL DEFAULT '',
            parental_responsibility INTEGER NOT NULL DEFAULT 0,
            priority INTEGER NOT NULL DEFAULT 1,
            lives_with INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (pupil_id, contact_id)
        );
        CREATE INDEX pupil_contacts_by_contact ON pupil_contacts(contact_id);

        -- One mark per pupil per session. The primary key clusters a pupil's register by date;
        -- marks_by_date serves a whole-school session (call list) and date-range aggregates.
        CREATE TABLE marks (
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            date TEXT NOT NULL,
            session TEXT NOT NULL CHECK (session IN ('AM', 'PM')),
            code TEXT NOT NULL,
            minutes_late INTEGER,
            comment TEXT,
            source TEXT NOT NULL DEFAULT 'manual',
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            amend_reason TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (pupil_id, date, session)
        ) WITHOUT ROWID;
        CREATE INDEX marks_by_date ON marks(date, session, code);

        CREATE TABLE mark_history (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL,
            date TEXT NOT NULL,
            session TEXT NOT NULL,
            old_code TEXT NOT NULL,
            new_code TEXT NOT NULL,
            old_minutes_late INTEGER,
            new_minutes_late INTEGER,
            old_recorded_by TEXT,
            old_recorded_at TEXT,
            reason TEXT NOT NULL,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            direct INTEGER NOT NULL DEFAULT 0      -- 1: changed outside Attendance Desk, no reason given
        );
        CREATE INDEX mark_history_by_mark ON mark_history(pupil_id, date, session);

        -- The register is a legal record: marks are never deleted, and every change keeps history,
        -- even a raw UPDATE made with another tool (flagged as direct).
        CREATE TRIGGER marks_no_delete BEFORE DELETE ON marks
        BEGIN
            SELECT RAISE(ABORT, 'attendance marks cannot be deleted: amend the mark with a reason instead');
        END;
        CREATE TRIGGER marks_key_fixed BEFORE UPDATE OF pupil_id, date, session ON marks
        WHEN OLD.pupil_id IS NOT NEW.pupil_id OR OLD.date IS NOT NEW.date OR OLD.session IS NOT NEW.session
        BEGIN
            SELECT RAISE(ABORT, 'a mark cannot be moved to another pupil or session');
        END;
        CREATE TRIGGER marks_keep_history AFTER UPDATE ON marks
        WHEN OLD.code IS NOT NEW.code OR OLD.minutes_late IS NOT NEW.minutes_late
        BEGIN
            INSERT INTO mark_history (
                pupil_id, date, session, old_code, new_code, old_minutes_late, new_minutes_late,
                old_recorded_by, old_recorded_at, reason, changed_by, changed_at, direct)
            SELECT OLD.pupil_id, OLD.date, OLD.session, OLD.code, NEW.code,
                   OLD.minutes_late, NEW.minutes_late, OLD.recorded_by, OLD.recorded_at,
                   CASE WHEN legit THEN NEW.amend_reason
                        ELSE 'changed outside Attendance Desk: no reason recorded' END,
                   CASE WHEN legit THEN NEW.recorded_by ELSE 'unknown' END,
                   CASE WHEN legit THEN NEW.recorded_at
                        ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END,
                   NOT legit
            FROM (SELECT NEW.version = OLD.version + 1
                         AND NEW.amend_reason IS NOT NULL AND NEW.amend_reason <> '' AS legit);
            -- the reason is used once: a later UPDATE that gives none is flagged as direct
            UPDATE marks SET amend_reason = NULL
            WHERE pupil_id = NEW.pupil_id AND date = NEW.date AND session = NEW.session;
        END;
        CREATE TRIGGER mark_history_no_update BEFORE UPDATE ON mark_history
        BEGIN
            SELECT RAISE(ABORT, 'mark history is append-only');
        END;
        CREATE TRIGGER mark_history_no_delete BEFORE DELETE ON mark_history
        BEGIN
            SELECT RAISE(ABORT, 'mark history is append-only');
        END;

        CREATE TABLE registers_taken (
            id INTEGER PRIMARY KEY,
            reg_group TEXT NOT NULL,
            date TEXT NOT NULL,
            session TEXT NOT NULL,
            taken_by TEXT NOT NULL,
            taken_at TEXT NOT NULL
        );
        CREATE INDEX registers_taken_by_session ON registers_taken(date, session);

        CREATE TABLE terms (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL
        );
        CREATE TABLE closures (
            date TEXT PRIMARY KEY,
            sessions TEXT NOT NULL DEFAULT 'AM,PM',
            kind TEXT NOT NULL,                    -- inset, bank_holiday, closure
            description TEXT NOT NULL DEFAULT ''
        );

        CREATE TABLE casework (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,                    -- call, text, email, letter, home_visit, meeting
            by_user TEXT NOT NULL,
            with_whom TEXT NOT NULL DEFAULT '',
            contact_id INTEGER REFERENCES contacts(id),
            outcome TEXT NOT NULL DEFAULT '',
            contact_made INTEGER NOT NULL DEFAULT 0,
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX casework_by_pupil ON casework(pupil_id, at);

        CREATE TABLE stage_events (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            event TEXT NOT NULL CHECK (event IN ('entered', 'skipped', 'closed', 'reopened')),
            stage_key TEXT,
            map_name TEXT NOT NULL,
            measure_value REAL,
            figures TEXT NOT NULL DEFAULT '{}',    -- JSON snapshot of the figures at that moment
            note TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX stage_events_by_pupil ON stage_events(pupil_id, id);
        CREATE TABLE stage_adjustments (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            threshold_offset REAL NOT NULL,
            reason TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        """,
    )


@migrations()
def m002_marks_by_code(db: Database) -> None:
    """Marks of a few codes over a date range (unauthorised sessions for the penalty-notice window,
    N marks still to resolve) without reading every mark in the range."""
    db.execute("CREATE INDEX marks_by_code ON marks(code, date)")


@migrations()
def m003_letters(db: Database) -> None:
    """The letter log: one row per letter to one addressee, with what it said and a hash of the PDF."""
    run_script(
        db,
        """
        CREATE TABLE letters (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            template TEXT NOT NULL,
            stage_key TEXT,
            contact_id INTEGER REFERENCES contacts(id),
            addressee TEXT NOT NULL,
            address TEXT NOT NULL,                 -- as printed
            figures TEXT NOT NULL DEFAULT '{}',    -- JSON: the figures quoted
            text TEXT NOT NULL,                    -- the rendered wording
            generated_at TEXT NOT NULL,
            posted_on TEXT,
            sha256 TEXT NOT NULL,                  -- of the PDF file the letter is in
            file TEXT NOT NULL DEFAULT '',
            page INTEGER NOT NULL DEFAULT 1,       -- where the letter starts in that file
            by_user TEXT NOT NULL
        );
        CREATE INDEX letters_by_pupil ON letters(pupil_id, generated_at);
        CREATE TRIGGER letters_no_delete BEFORE DELETE ON letters
        BEGIN
            SELECT RAISE(ABORT, 'the letter log is a record: letters cannot be deleted');
        END;
        """,
    )


@migrations()
def m004_meetings_and_plans(db: Database) -> None:
    """School Attendance Meetings, reviews and planning meetings; parenting contracts and plans."""
    run_script(
        db,
        """
        CREATE TABLE meetings (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            kind TEXT NOT NULL CHECK (kind IN ('sam', 'review', 'planning')),
            held_on TEXT NOT NULL,
            attendees TEXT NOT NULL DEFAULT '',
            parent_attended INTEGER NOT NULL DEFAULT 0,
            barriers TEXT NOT NULL DEFAULT '',
            pupil_voice TEXT NOT NULL DEFAULT '',
            actions_parent TEXT NOT NULL DEFAULT '',
            actions_school TEXT NOT NULL DEFAULT '',
            actions_others TEXT NOT NULL DEFAULT '',
            target_pct REAL,
            target_from TEXT,
            target_to TEXT,
            review_date TEXT,
            reviews_meeting_id INTEGER REFERENCES meetings(id),
            target_met INTEGER,
            attendance_achieved REAL,
            decision TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX meetings_by_pupil ON meetings(pupil_id, held_on);
        CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            kind TEXT NOT NULL CHECK (kind IN ('parenting_contract', 'improvement_plan')),
            parent_commitments TEXT NOT NULL,
            school_support TEXT NOT NULL,
            agency_support TEXT NOT NULL DEFAULT '',
            target_pct REAL,
            starts TEXT NOT NULL,
            review_date TEXT NOT NULL,
            ends TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX plans_by_pupil ON plans(pupil_id, starts);
        """,
    )


@migrations()
def m005_audit(db: Database) -> None:
    """Who did what and when, beyond the marks' own history: append-only."""
    run_script(
        db,
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_by_time ON audit(at);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;
        """,
    )


@migrations()
def m006_users(db: Database) -> None:
    """People who use the file, with a role and a memory-hard password hash (scrypt)."""
    run_script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role TEXT NOT NULL CHECK (role IN ('office', 'lead', 'head', 'admin')),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m007_retention(db: Database) -> None:
    """Pupils who left long ago can be removed (after archiving) — only through a removal that lists
    them in `removals` inside its own transaction; any other DELETE of register records is refused."""
    run_script(
        db,
        """
        CREATE TABLE removals (pupil_id INTEGER PRIMARY KEY);
        DROP TRIGGER marks_no_delete;
        CREATE TRIGGER marks_no_delete BEFORE DELETE ON marks
        WHEN NOT EXISTS (SELECT 1 FROM removals WHERE pupil_id = OLD.pupil_id)
        BEGIN
            SELECT RAISE(ABORT, 'attendance marks cannot be deleted: amend the mark with a reason instead');
        END;
        DROP TRIGGER mark_history_no_delete;
        CREATE TRIGGER mark_history_no_delete BEFORE DELETE ON mark_history
        WHEN NOT EXISTS (SELECT 1 FROM removals WHERE pupil_id = OLD.pupil_id)
        BEGIN
            SELECT RAISE(ABORT, 'mark history is append-only');
        END;
        DROP TRIGGER letters_no_delete;
        CREATE TRIGGER letters_no_delete BEFORE DELETE ON letters
        WHEN NOT EXISTS (SELECT 1 FROM removals WHERE pupil_id = OLD.pupil_id)
        BEGIN
            SELECT RAISE(ABORT, 'the letter log is a record: letters cannot be deleted');
        END;
        """,
    )


@migrations()
def m008_event_dates(db: Database) -> None:
    """Casework happens on a date: each event keeps when it happened apart from when, and by whom, it was
    recorded, and why it was recorded late. Existing rows were recorded when they happened."""
    run_script(
        db,
        """
        ALTER TABLE casework ADD COLUMN recorded_at TEXT;
        ALTER TABLE casework ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE casework ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';
        UPDATE casework SET recorded_at = at, recorded_by = by_user;
        ALTER TABLE meetings ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE stage_events ADD COLUMN occurred_on TEXT;
        ALTER TABLE stage_events ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';
        UPDATE stage_events SET occurred_on = substr(at, 1, 10);
        """,
    )


@migrations()
def m009_letters_issued(db: Database) -> None:
    """Letters are issued, not just printed: each has a number in the school's sequence (printed as
    "Our ref"), the date printed on it, what it quoted from the log, any override of its conditions
    with the reason, and a void mark with the reason (the letter stays in the log). What an issued
    letter said and where it is kept cannot be changed afterwards."""
    run_script(
        db,
        """
        ALTER TABLE letters ADD COLUMN number INTEGER;
        ALTER TABLE letters ADD COLUMN letter_date TEXT;
        ALTER TABLE letters ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE letters ADD COLUMN override_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE letters ADD COLUMN overridden TEXT NOT NULL DEFAULT '';
        ALTER TABLE letters ADD COLUMN void_reason TEXT;
        ALTER TABLE letters ADD COLUMN voided_by TEXT;
        ALTER TABLE letters ADD COLUMN voided_at TEXT;
        UPDATE letters SET number = id, letter_date = substr(generated_at, 1, 10);
        CREATE UNIQUE INDEX letters_by_number ON letters(number);
        CREATE TRIGGER letters_issued_fixed
        BEFORE UPDATE OF pupil_id, template, stage_key, contact_id, addressee, address, figures, text,
            generated_at, sha256, file, page, by_user, number, letter_date, details, override_reason, overridden
        ON letters
        BEGIN
            SELECT RAISE(ABORT, 'an issued letter cannot be changed: void it with a reason and issue another');
        END;
        CREATE TRIGGER letters_void_once BEFORE UPDATE OF void_reason, voided_by, voided_at ON letters
        WHEN OLD.void_reason IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'this letter is already void');
        END;
        """,
    )


@migrations()
def m010_registers_taken_inferred(db: Database) -> None:
    """The call list now reads the record of registers taken, which imports did not keep before:
    each class register with a mark of the kind recorded when a register is taken (not one entered
    ahead, such as M or a closure) is recorded as taken, by "(inferred from the marks)"."""
    from attendance_desk.store.marks import record_registers_taken_from_marks
    from attendance_desk.store.resources import default_code_table

    span = db.execute("SELECT MIN(date), MAX(date) FROM marks").fetchone()
    if span[0] is None:
        return
    record_registers_taken_from_marks(
        db.conn,
        span[0],
        span[1],
        default_code_table().register_taking_codes(),
        "(inferred from the marks)",
        None,
    )


# Every timestamp column: what happened or was recorded when (not dates such as held_on).
TIMESTAMP_COLUMNS = {
    "marks": ("recorded_at",),
    "mark_history": ("old_recorded_at", "changed_at"),
    "registers_taken": ("taken_at",),
    "casework": ("at", "recorded_at"),
    "stage_events": ("at",),
    "stage_adjustments": ("at",),
    "letters": ("generated_at", "voided_at"),
    "meetings": ("at",),
    "plans": ("at",),
    "audit": ("at",),
    "users": ("created_at",),
}


@migrations()
def m011_timestamps_in_utc(db: Database) -> None:
    """One timestamp form in the file: UTC to the second, "2026-11-25T09:02:11Z", as the triggers
    already wrote. Earlier versions wrote local time with its offset (and BST and GMT rows did not
    sort together as text). The same moments, rewritten; the append-only triggers are lifted for
    the rewrite only and put back as they were, and the audit says it was done."""
    from datetime import UTC, datetime

    def to_utc(text):
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            return text
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    db.conn.create_function("to_utc", 1, to_utc, deterministic=True)
    changed = 0
    for table, columns in TIMESTAMP_COLUMNS.items():
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
        ).fetchall()
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
        for column in columns:
            # SQLite converts a time with an offset itself (fast on millions of marks); a time with
            # no offset was local time, which only Python knows
            changed += db.execute(
                f"UPDATE {table} SET {column} = CASE WHEN {column} GLOB '*[+-][0-9][0-9]:[0-9][0-9]' "
                f"THEN strftime('%Y-%m-%dT%H:%M:%SZ', {column}) ELSE to_utc({column}) END "
                f"WHERE {column} LIKE '____-__-__T%' AND {column} NOT LIKE '%Z'"
            ).rowcount
        for _, sql in triggers:
            db.execute(sql)
    if changed:
        db.execute(
            "INSERT INTO audit(at, user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "(upgrade)",
                "timestamps in UTC",
                "",
                f"{changed} timestamps rewritten from local time with an offset to UTC (the same moments)",
            ),
        )


@migrations()
def m012_sign_in_limits_and_signature(db: Database) -> None:
    """Sign-in slows down after repeated wrong passwords (counted per user, in the file), and the head's
    signature image is kept in the file on the head's own user row (it was a path to a file on disk)."""
    run_script(
        db,
        """
        ALTER TABLE users ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN locked_until TEXT;
        ALTER TABLE users ADD COLUMN signature BLOB;
        """,
    )


@migrations()
def m013_tamper_evident_chains(db: Database) -> None:
    """The mark history, the audit log and the letter log become hash chains (store/chain.py): each row
    gets `row_hash`, written by the app in the row's own transaction; the append-only triggers now let
    the app fill that hash once, and nothing else. The audit records the users' state whenever it
    changes. A mark's history is kept when its version, recorder or time changes too, not only its
    code. The rows already in the file are hashed as they stand: what happened before this version
    is accepted, and the audit says so."""
    from datetime import UTC, datetime

    from attendance_desk.store import chain

    history_cols = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in chain.CHAINS["mark_history"])
    audit_cols = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in chain.CHAINS["audit"])
    run_script(
        db,
        f"""
        ALTER TABLE mark_history ADD COLUMN row_hash TEXT;
        ALTER TABLE audit ADD COLUMN users_state TEXT;
        ALTER TABLE audit ADD COLUMN row_hash TEXT;
        ALTER TABLE letters ADD COLUMN row_hash TEXT;
        ALTER TABLE letters ADD COLUMN state_hash TEXT;
        CREATE INDEX audit_users_states ON audit(id) WHERE users_state IS NOT NULL;
        DROP TRIGGER mark_history_no_update;
        CREATE TRIGGER mark_history_no_update BEFORE UPDATE ON mark_history
        WHEN OLD.row_hash IS NOT NULL OR NEW.row_hash IS NULL OR {history_cols}
        BEGIN
            SELECT RAISE(ABORT, 'mark history is append-only');
        END;
        DROP TRIGGER audit_no_update;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        WHEN OLD.row_hash IS NOT NULL OR NEW.row_hash IS NULL OR {audit_cols}
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;
        CREATE TRIGGER letters_sealed_once BEFORE UPDATE OF row_hash ON letters
        WHEN OLD.row_hash IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'an issued letter cannot be changed: void it with a reason and issue another');
        END;
        DROP TRIGGER marks_keep_history;
        CREATE TRIGGER marks_keep_history AFTER UPDATE ON marks
        WHEN OLD.code IS NOT NEW.code OR OLD.minutes_late IS NOT NEW.minutes_late
            OR OLD.version IS NOT NEW.version OR OLD.recorded_by IS NOT NEW.recorded_by
            OR OLD.recorded_at IS NOT NEW.recorded_at
        BEGIN
            INSERT INTO mark_history (
                pupil_id, date, session, old_code, new_code, old_minutes_late, new_minutes_late,
                old_recorded_by, old_recorded_at, reason, changed_by, changed_at, direct)
            SELECT OLD.pupil_id, OLD.date, OLD.session, OLD.code, NEW.code,
                   OLD.minutes_late, NEW.minutes_late, OLD.recorded_by, OLD.recorded_at,
                   CASE WHEN legit THEN NEW.amend_reason
                        ELSE 'changed outside Attendance Desk: no reason recorded' END,
                   CASE WHEN legit THEN NEW.recorded_by ELSE 'unknown' END,
                   CASE WHEN legit THEN NEW.recorded_at
                        ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END,
                   NOT legit
            FROM (SELECT NEW.version = OLD.version + 1
                         AND NEW.amend_reason IS NOT NULL AND NEW.amend_reason <> '' AS legit);
            -- the reason is used once: a later UPDATE that gives none is flagged as direct
            UPDATE marks SET amend_reason = NULL
            WHERE pupil_id = NEW.pupil_id AND date = NEW.date AND session = NEW.session;
        END;
        """,
    )
    counts = {table: chain.seal(db.conn, table, 0) for table in ("mark_history", "letters")}
    has_users = db.execute("SELECT 1 FROM users LIMIT 1").fetchone()
    sealed_audit = chain.seal(db.conn, "audit", 0)
    if sealed_audit or has_users or any(counts.values()):
        chain.append_audit(
            db.conn,
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "(upgrade)",
            chain.CHAINS_STARTED,
            "",
            f"{counts['mark_history']} history entries, {sealed_audit} audit entries and {counts['letters']} "
            "letters already in the file were sealed as they stood (not verified: what happened before this "
            "version is accepted); the users' state is recorded from here on",
        )


@migrations()
def m017_part_time_timetables(db: Database) -> None:
    """Part-time timetables (and alternative provision): the sessions the pupil attends school or
    provision, the reason, the agreed review date (required: DfE guidance says a part-time timetable
    is time-limited and reviewed), the day the local authority was told, and each review."""
    run_script(
        db,
        """
        CREATE TABLE part_time_timetables (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            starts TEXT NOT NULL,
            review_on TEXT NOT NULL,
            attends TEXT NOT NULL DEFAULT '',       -- "Mon AM,Mon PM,..." sessions in school
            provision TEXT NOT NULL DEFAULT '',     -- sessions at alternative provision
            provision_by TEXT NOT NULL DEFAULT '',  -- 'la' (K) or 'school' (B)
            provision_name TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL,
            agreed_with TEXT NOT NULL DEFAULT '',
            la_notified_on TEXT,
            ends TEXT,
            end_reason TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX part_time_by_pupil ON part_time_timetables(pupil_id, starts);
        CREATE TABLE part_time_reviews (
            id INTEGER PRIMARY KEY,
            timetable_id INTEGER NOT NULL REFERENCES part_time_timetables(id),
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            held_on TEXT NOT NULL,
            outcome TEXT NOT NULL,
            next_review TEXT,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m018_medical_evidence(db: Database) -> None:
    """Medical evidence received (what, from whom, dated, covering which days) and the attendance
    lead's decisions on illness absences without it (kept as I, or recoded O through an amendment)."""
    run_script(
        db,
        """
        CREATE TABLE medical_evidence (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            received_on TEXT NOT NULL,
            what TEXT NOT NULL,
            from_whom TEXT NOT NULL,
            dated TEXT NOT NULL,
            covers_from TEXT NOT NULL,
            covers_to TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX medical_evidence_by_pupil ON medical_evidence(pupil_id, covers_from);
        CREATE TABLE illness_decisions (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            date TEXT NOT NULL,
            session TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('I', 'O')),
            reason TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX illness_decisions_by_pupil ON illness_decisions(pupil_id, date, session);
        """,
    )


@migrations()
def m019_early_help_offers(db: Database) -> None:
    """Early help offered in writing (the letter's reference) and the family's answer."""
    run_script(
        db,
        """
        CREATE TABLE early_help_offers (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            offered_on TEXT NOT NULL,
            what TEXT NOT NULL,
            letter_refs TEXT NOT NULL DEFAULT '',
            answer TEXT CHECK (answer IN ('accepted', 'declined', 'no_answer')),
            answered_on TEXT,
            answer_note TEXT NOT NULL DEFAULT '',
            answered_by TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX early_help_by_pupil ON early_help_offers(pupil_id, offered_on);
        """,
    )


@migrations()
def m014_leave_requests(db: Database) -> None:
    """Leave of absence in term time: each request (one row a pupil; siblings asked for together share
    `family_ref`), the head's decision, who made it and when, and the decision letters' references."""
    run_script(
        db,
        """
        CREATE TABLE leave_requests (
            id INTEGER PRIMARY KEY,
            family_ref INTEGER,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            first_date TEXT NOT NULL,
            first_session TEXT NOT NULL CHECK (first_session IN ('AM', 'PM')),
            last_date TEXT NOT NULL,
            last_session TEXT NOT NULL CHECK (last_session IN ('AM', 'PM')),
            reason TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            received_on TEXT NOT NULL,
            deadline TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'granted', 'refused', 'withdrawn')),
            decided_on TEXT,
            decided_by TEXT NOT NULL DEFAULT '',
            exceptional_reason TEXT NOT NULL DEFAULT '',
            decision_note TEXT NOT NULL DEFAULT '',
            letters TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX leave_requests_by_pupil ON leave_requests(pupil_id, first_date);
        CREATE INDEX leave_requests_by_dates ON leave_requests(last_date, first_date);
        """,
    )


@migrations()
def m015_penalty_notices(db: Database) -> None:
    """Penalty notices as the local authority's code of conduct sets them: each step of a case (notice
    to improve, request to the LA with its evidence, issued, paid / unpaid / withdrawn, prosecution
    referral) is a row; a case is one parent (contact) and one pupil, its rows sharing `case_id`."""
    run_script(
        db,
        """
        CREATE TABLE penalty_steps (
            id INTEGER PRIMARY KEY,
            case_id INTEGER,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            contact_id INTEGER REFERENCES contacts(id),
            parent TEXT NOT NULL DEFAULT '',
            step TEXT NOT NULL CHECK (step IN ('notice_to_improve', 'request', 'issued', 'paid',
                'unpaid', 'withdrawn', 'prosecution')),
            occurred_on TEXT NOT NULL,
            improvement_ends TEXT,
            la_reference TEXT NOT NULL DEFAULT '',
            amount INTEGER,
            reduced_amount INTEGER,
            reduced_by TEXT,
            pay_by TEXT,
            figures TEXT NOT NULL DEFAULT '{}',
            evidence TEXT NOT NULL DEFAULT '{}',
            note TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX penalty_steps_by_pupil ON penalty_steps(pupil_id, occurred_on);
        CREATE INDEX penalty_steps_by_case ON penalty_steps(case_id, id);
        """,
    )


@migrations()
def m016_cme_and_social_workers(db: Database) -> None:
    """Children missing education referrals to the LA (with the count of unexplained days, any reason
    for referring before the school's count, the form's file and hash, and the outcome); and the
    social worker's and virtual school's contact details beside the social worker's name."""
    run_script(
        db,
        """
        CREATE TABLE cme_referrals (
            id INTEGER PRIMARY KEY,
            pupil_id INTEGER NOT NULL REFERENCES pupils(id),
            referred_on TEXT NOT NULL,
            last_seen TEXT,
            days_unexplained INTEGER NOT NULL,
            early_reason TEXT NOT NULL DEFAULT '',
            la_contact TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            form_file TEXT NOT NULL DEFAULT '',
            form_sha256 TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT '',
            outcome_on TEXT,
            outcome_note TEXT NOT NULL DEFAULT '',
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX cme_referrals_by_pupil ON cme_referrals(pupil_id, referred_on);
        ALTER TABLE pupils ADD COLUMN social_worker_phone TEXT NOT NULL DEFAULT '';
        ALTER TABLE pupils ADD COLUMN social_worker_email TEXT NOT NULL DEFAULT '';
        ALTER TABLE pupils ADD COLUMN virtual_school_contact TEXT NOT NULL DEFAULT '';
        """,
    )


# The Monday of a mark's week, in SQL: 6 days back, then forward to the next Monday (or that day).
WEEK_OF_DATE = "date({d}, '-6 days', 'weekday 1')"


@migrations()
def m023_mark_week_counts(db: Database) -> None:
    """Each pupil's marks counted by week and code, kept by triggers in the same transaction that
    writes the marks, so it can never drift from them: the whole-school figures read a few rows per
    pupil and week instead of every mark (`MarkRepo.code_counts`). `check` recounts it from the marks
    and reports any difference (which only an edit outside the app could make)."""
    new_week = WEEK_OF_DATE.format(d="NEW.date")
    old_week = WEEK_OF_DATE.format(d="OLD.date")
    run_script(
        db,
        f"""
        CREATE TABLE mark_week_counts (
            pupil_id INTEGER NOT NULL,
            week TEXT NOT NULL,
            code TEXT NOT NULL,
            n INTEGER NOT NULL CHECK (n > 0),
            PRIMARY KEY (pupil_id, code, week)
        ) WITHOUT ROWID;
        INSERT INTO mark_week_counts (pupil_id, week, code, n)
            SELECT pupil_id, {WEEK_OF_DATE.format(d="date")}, code, COUNT(*) FROM marks
            GROUP BY pupil_id, code, 2;
        -- A row here (only ever inside the app's own bulk write, deleted before it commits) means
        -- that write counts its new marks itself, by week and code in one statement.
        CREATE TABLE mark_counts_by_statement (on_ INTEGER PRIMARY KEY CHECK (on_ = 1));
        CREATE TRIGGER marks_count_insert AFTER INSERT ON marks
        WHEN NOT EXISTS (SELECT 1 FROM mark_counts_by_statement)
        BEGIN
            INSERT INTO mark_week_counts (pupil_id, week, code, n)
                VALUES (NEW.pupil_id, {new_week}, NEW.code, 1)
                ON CONFLICT (pupil_id, code, week) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER marks_count_update AFTER UPDATE OF code ON marks
        WHEN OLD.code IS NOT NEW.code
        BEGIN
            DELETE FROM mark_week_counts
                WHERE pupil_id = OLD.pupil_id AND week = {old_week} AND code = OLD.code AND n = 1;
            UPDATE mark_week_counts SET n = n - 1
                WHERE pupil_id = OLD.pupil_id AND week = {old_week} AND code = OLD.code;
            INSERT INTO mark_week_counts (pupil_id, week, code, n)
                VALUES (NEW.pupil_id, {new_week}, NEW.code, 1)
                ON CONFLICT (pupil_id, code, week) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER marks_count_delete AFTER DELETE ON marks
        BEGIN
            DELETE FROM mark_week_counts
                WHERE pupil_id = OLD.pupil_id AND week = {old_week} AND code = OLD.code AND n = 1;
            UPDATE mark_week_counts SET n = n - 1
                WHERE pupil_id = OLD.pupil_id AND week = {old_week} AND code = OLD.code;
        END;
        """,
    )


# Keep this last: the schema version is the number of migrations above, so a new migration (added
# above this line, with the next free number in its name) raises it without a second edit.
@migrations()
def m020_school_documents(db: Database) -> None:
    """One school, one truth: letter and form templates and support maps live in the school's file,
    versioned with who and when (store/documents.py); the shipped defaults are copied in."""
    from datetime import UTC, datetime

    from attendance_desk.store import documents

    run_script(db, documents.SCHEMA)
    documents.refresh_shipped(db.conn, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


@migrations()
def m021_logo_in_the_file(db: Database) -> None:
    """The letterhead's logo was a path on one PC's disk: its image is copied into the file, so every
    PC prints the same letterhead (a path that cannot be read is left out and said in the reason)."""
    import json
    from datetime import UTC, datetime
    from pathlib import Path

    from attendance_desk.store import documents

    row = db.execute("SELECT value FROM settings WHERE key = 'school'").fetchone()
    path = (json.loads(row[0]).get("logo") or "") if row else ""
    try:
        image = Path(path).read_bytes() if path else None
    except OSError:
        image = None
    if image:
        db.execute(
            "INSERT INTO school_documents(kind, name, version, content, shipped, recorded_by, "
            "recorded_at, reason) VALUES (?, 'logo', 1, ?, NULL, '(upgrade)', ?, ?)",
            (
                documents.LOGO,
                image,
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                f"copied in from {path}",
            ),
        )


@migrations()
def m022_signatures_versioned(db: Database) -> None:
    """The head's signature image joins the versioned documents (who stored it and when, each version
    kept); the copy on the user's row is cleared so that removing it removes it."""
    from datetime import UTC, datetime

    from attendance_desk.store import documents

    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, image in db.execute(
        "SELECT name, signature FROM users WHERE signature IS NOT NULL"
    ).fetchall():
        db.execute(
            "INSERT INTO school_documents(kind, name, version, content, shipped, recorded_by, "
            "recorded_at, reason) VALUES (?, ?, 1, ?, NULL, ?, ?, 'kept on the user''s row before')",
            (documents.SIGNATURE, name, bytes(image), name, at),
        )
    db.execute("UPDATE users SET signature = NULL WHERE signature IS NOT NULL")


@migrations()
def m024_stage_steps_by_pupil_and_day(db: Database) -> None:
    """Where a pupil stands on the support map is read from the pupil's latest steps up to a date,
    by pupil and day (StageRepo.latest_steps), not by replaying every step ever taken: years of
    casework no longer slow Today and the pupil screen. Every step has had its day since m008; one
    without (none is known) gets the day it was recorded, so no step is left out of the index."""
    run_script(
        db,
        """
        UPDATE stage_events SET occurred_on = substr(at, 1, 10) WHERE occurred_on IS NULL;
        CREATE INDEX stage_events_by_pupil_day ON stage_events(pupil_id, occurred_on, id);
        """,
    )


# The academic year (1 September to 31 August) a Monday-to-Sunday week belongs to, in SQL: the year
# of its Thursday, so each year is a run of whole weeks (store/marks.py `year_weeks` says the same).
YEAR_OF_WEEK = (
    "(CAST(strftime('%Y', {w}, '+3 days') AS INTEGER) "
    "- (CAST(strftime('%m', {w}, '+3 days') AS INTEGER) < 9))"
)


@migrations()
def m025_mark_year_counts(db: Database) -> None:
    """Each pupil's marks counted by academic year and code, kept from the counts by week by
    triggers in the same transaction (so through every path that writes marks): the year to date
    is one row a pupil and code instead of one a pupil, code and week (`MarkRepo.code_counts`).
    `check --full` recounts it from the counts by week."""
    new_year = YEAR_OF_WEEK.format(w="NEW.week")
    old_year = YEAR_OF_WEEK.format(w="OLD.week")
    take_old = f"""
            DELETE FROM mark_year_counts
                WHERE pupil_id = OLD.pupil_id AND year = {old_year} AND code = OLD.code AND n = OLD.n;
            UPDATE mark_year_counts SET n = n - OLD.n
                WHERE pupil_id = OLD.pupil_id AND year = {old_year} AND code = OLD.code;"""
    add_new = f"""
            INSERT INTO mark_year_counts (pupil_id, year, code, n)
                VALUES (NEW.pupil_id, {new_year}, NEW.code, NEW.n)
                ON CONFLICT (pupil_id, year, code) DO UPDATE SET n = n + excluded.n;"""
    run_script(
        db,
        f"""
        CREATE TABLE mark_year_counts (
            pupil_id INTEGER NOT NULL,
            year INTEGER NOT NULL,
            code TEXT NOT NULL,
            n INTEGER NOT NULL CHECK (n > 0),
            PRIMARY KEY (pupil_id, year, code)
        ) WITHOUT ROWID;
        INSERT INTO mark_year_counts (pupil_id, year, code, n)
            SELECT pupil_id, {YEAR_OF_WEEK.format(w="week")}, code, SUM(n) FROM mark_week_counts
            GROUP BY 1, 2, 3;
        CREATE TRIGGER week_counts_year_insert AFTER INSERT ON mark_week_counts
        BEGIN{add_new}
        END;
        -- the new count added before the old is taken away, so a count never passes through 0
        CREATE TRIGGER week_counts_year_update AFTER UPDATE ON mark_week_counts
        BEGIN{add_new}{take_old}
        END;
        CREATE TRIGGER week_counts_year_delete AFTER DELETE ON mark_week_counts
        BEGIN{take_old}
        END;
        """,
    )


@migrations()
def m026_settings_nothing_reads(db: Database) -> None:
    """Two school settings nothing reads any more leave the file: the letterhead logo's path (its image
    has been a document in the file since m021) and the head's signature path (on the head's account
    since m012, versioned since m022). A value dropped is written into the audit, word for word."""
    import json
    from datetime import UTC, datetime

    from attendance_desk.store import chain

    row = db.execute("SELECT value FROM settings WHERE key = 'school'").fetchone()
    if not row:
        return
    values = json.loads(row[0])
    dropped = {k: values.pop(k) for k in ("logo", "head_signature") if k in values}
    if not dropped:
        return
    db.execute("UPDATE settings SET value = ? WHERE key = 'school'", (json.dumps(values),))
    kept = [f"{k}: '{v}'" for k, v in dropped.items() if str(v).strip()]
    if kept:
        chain.append_audit(
            db.conn,
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "(upgrade)",
            "settings: unused values removed",
            "school",
            "; ".join(kept) + " (nothing read them: the logo and the signature are documents in "
            "the school file, Settings → Letters and documents)",
        )


@migrations()
def m027_outside_changes_raise_version(db: Database) -> None:
    """A mark changed outside Attendance Desk (a plain UPDATE, no reason) has its version raised
    as the app's own amendment does: a PC that read the mark before cannot then save over the
    outside change without being told it is stale (docs/server.md, "Concurrency and stale edits").
    A version is never lowered: the outside UPDATE's own version is kept only if it is higher.
    The history row is as before (direct, "unknown": the file cannot know who). The file's
    triggers are recursive (the raise is a second UPDATE of the row, which the trigger would see
    again): an UPDATE that only raises the version, with no reason before or after, is not itself
    history (the trigger's own raise; by another tool, `check` names a version raised without
    history, as before)."""
    legit = (
        "NEW.version = OLD.version + 1 AND NEW.amend_reason IS NOT NULL AND NEW.amend_reason <> ''"
    )
    run_script(
        db,
        f"""
        DROP TRIGGER marks_keep_history;
        CREATE TRIGGER marks_keep_history AFTER UPDATE ON marks
        WHEN OLD.code IS NOT NEW.code OR OLD.minutes_late IS NOT NEW.minutes_late
            OR OLD.recorded_by IS NOT NEW.recorded_by OR OLD.recorded_at IS NOT NEW.recorded_at
            OR (OLD.version IS NOT NEW.version AND NOT (NEW.version > OLD.version
                AND OLD.amend_reason IS NULL AND NEW.amend_reason IS NULL))
        BEGIN
            INSERT INTO mark_history (
                pupil_id, date, session, old_code, new_code, old_minutes_late, new_minutes_late,
                old_recorded_by, old_recorded_at, reason, changed_by, changed_at, direct)
            SELECT OLD.pupil_id, OLD.date, OLD.session, OLD.code, NEW.code,
                   OLD.minutes_late, NEW.minutes_late, OLD.recorded_by, OLD.recorded_at,
                   CASE WHEN legit THEN NEW.amend_reason
                        ELSE 'changed outside Attendance Desk: no reason recorded' END,
                   CASE WHEN legit THEN NEW.recorded_by ELSE 'unknown' END,
                   CASE WHEN legit THEN NEW.recorded_at
                        ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END,
                   NOT legit
            FROM (SELECT {legit} AS legit);
            -- the reason is used once: a later UPDATE that gives none is flagged as direct; an
            -- outside change raises the version (never lowers it), so a stale save is refused
            UPDATE marks SET amend_reason = NULL,
                version = CASE WHEN {legit} THEN NEW.version
                               ELSE max(NEW.version, OLD.version + 1) END
            WHERE pupil_id = NEW.pupil_id AND date = NEW.date AND session = NEW.session;
        END;
        """,
    )


SCHEMA_VERSION = len(migrations._migrations)
