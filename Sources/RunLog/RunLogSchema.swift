// RunLogSchema: the SQLite schema of the run log (`runs.sqlite`) as GRDB migrations. A shipped
// migration never changes: a later schema adds a migration ("v2", ...) and raises
// `RunLogSchema.version`, which is also written to `PRAGMA user_version`. Table and column
// names follow MLflow's where they have a counterpart (experiments, runs->jobs, metrics with
// step and is_nan, artifacts). `docs/run-log.md` documents every table, column and view.

import Foundation
import GRDB

public enum RunLogSchema {
    /// The schema version this build writes and reads (`PRAGMA user_version`).
    public static let version = 8

    /// All migrations, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: v1) }
        migrator.registerMigration("v2") { db in try db.execute(sql: v2) }
        migrator.registerMigration("v3") { db in try db.execute(sql: v3) }
        migrator.registerMigration("v4") { db in try db.execute(sql: v4) }
        migrator.registerMigration("v5") { db in try db.execute(sql: v5) }
        migrator.registerMigration("v6") { db in try db.execute(sql: v6) }
        migrator.registerMigration("v7") { db in try db.execute(sql: v7) }
        migrator.registerMigration("v8") { db in try db.execute(sql: v8) }
        return migrator
    }

    /// Time stamps are UTC ISO-8601 text with milliseconds, e.g. 2026-11-29T07:46:40.123Z.
    static let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

    /// `now`'s text for a moment, made in Swift: "2026-12-07T06:16:23.970Z" (UTC, milliseconds
    /// truncated).
    static func timestamp(_ date: Date = Date()) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        let millis = min(999, Int((seconds - seconds.rounded(.down)) * 1000))
        func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        let day: String = digits(Int(parts.tm_year) + 1900, 4) + "-" + digits(Int(parts.tm_mon) + 1, 2) + "-" + digits(Int(parts.tm_mday), 2)
        let time: String = digits(Int(parts.tm_hour), 2) + ":" + digits(Int(parts.tm_min), 2) + ":" + digits(Int(parts.tm_sec), 2)
        return day + "T" + time + "." + digits(millis, 3) + "Z"
    }

    static let v1 = """
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            spec_hash TEXT NOT NULL UNIQUE,
            spec_json TEXT NOT NULL,
            spec_version INTEGER NOT NULL,
            overrides_json TEXT NOT NULL DEFAULT '[]',
            table_name TEXT NOT NULL,
            dataset_kind TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (\(now)),
            tool_version TEXT NOT NULL,
            git_commit TEXT,
            git_dirty INTEGER CHECK (git_dirty IN (0, 1)),
            os TEXT NOT NULL,
            cpu TEXT NOT NULL,
            blas_config TEXT NOT NULL,
            blas_threads INTEGER NOT NULL,
            dataset_fingerprint TEXT
        );

        CREATE TABLE labels (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            label INTEGER NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (experiment_id, label)
        );

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            model_name TEXT NOT NULL,
            model_kind TEXT NOT NULL,
            run INTEGER NOT NULL CHECK (run >= 0),
            fold INTEGER NOT NULL CHECK (fold >= 0),
            seed INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'completed', 'failed', 'diverged', 'interrupted')),
            attempts INTEGER NOT NULL DEFAULT 0,
            epochs_planned INTEGER NOT NULL,
            epochs_done INTEGER NOT NULL DEFAULT 0,
            started_at TEXT,
            finished_at TEXT,
            error TEXT,
            UNIQUE (experiment_id, model_name, run, fold)
        );
        CREATE INDEX jobs_by_status ON jobs(experiment_id, status);

        CREATE TABLE metrics (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            step INTEGER NOT NULL,
            value REAL,
            is_nan INTEGER NOT NULL DEFAULT 0 CHECK (is_nan IN (0, 1)),
            recorded_at TEXT NOT NULL DEFAULT (\(now)),
            PRIMARY KEY (job_id, key, epoch, step),
            CHECK ((value IS NULL) = (is_nan = 1))
        );

        CREATE TABLE predictions (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            sample_index INTEGER NOT NULL,
            sample_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            true_label INTEGER NOT NULL,
            predicted_label INTEGER NOT NULL,
            probabilities TEXT NOT NULL,
            PRIMARY KEY (job_id, epoch, sample_index)
        );

        CREATE TABLE artifacts (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            path TEXT NOT NULL,
            epoch INTEGER,
            created_at TEXT NOT NULL DEFAULT (\(now)),
            PRIMARY KEY (job_id, kind, path)
        );

        CREATE TABLE fold_assignments (
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            run INTEGER NOT NULL,
            subject TEXT NOT NULL,
            fold INTEGER NOT NULL,
            PRIMARY KEY (experiment_id, run, subject)
        );

        CREATE VIEW final_predictions AS
        SELECT j.experiment_id, j.model_name, j.model_kind, j.run, j.fold, j.status, p.*
        FROM predictions p JOIN jobs j ON j.id = p.job_id
        WHERE p.epoch = (SELECT MAX(q.epoch) FROM predictions q WHERE q.job_id = p.job_id);

        CREATE VIEW job_accuracy AS
        SELECT job_id, experiment_id, model_name, model_kind, run, fold, status, epoch,
               COUNT(*) AS samples,
               SUM(predicted_label = true_label) AS correct,
               CAST(SUM(predicted_label = true_label) AS REAL) / COUNT(*) AS accuracy
        FROM final_predictions
        GROUP BY job_id;

        CREATE VIEW model_run_accuracy AS
        SELECT a.experiment_id, a.model_name, a.model_kind, a.run,
               COUNT(*) AS folds,
               (SELECT COUNT(*) FROM jobs j
                WHERE j.experiment_id = a.experiment_id AND j.model_name = a.model_name AND j.run = a.run) AS folds_planned,
               SUM(a.samples) AS samples,
               SUM(a.correct) AS correct,
               CAST(SUM(a.correct) AS REAL) / SUM(a.samples) AS accuracy
        FROM job_accuracy a
        WHERE a.status = 'completed'
        GROUP BY a.experiment_id, a.model_name, a.run;

        CREATE VIEW model_accuracy AS
        SELECT r.experiment_id, r.model_name, r.model_kind,
               COUNT(*) AS runs,
               SUM(r.folds) AS folds,
               SUM(r.samples) AS samples,
               m.mean AS mean_accuracy,
               CASE WHEN COUNT(*) > 1
                    THEN sqrt(SUM((r.accuracy - m.mean) * (r.accuracy - m.mean)) / (COUNT(*) - 1)) END AS std_accuracy
        FROM model_run_accuracy r
        JOIN (SELECT experiment_id, model_name, AVG(accuracy) AS mean
              FROM model_run_accuracy GROUP BY experiment_id, model_name) m
          ON m.experiment_id = r.experiment_id AND m.model_name = r.model_name
        GROUP BY r.experiment_id, r.model_name;

        CREATE VIEW per_class_accuracy AS
        SELECT f.experiment_id, f.model_name, f.true_label AS label, l.name AS class_name,
               COUNT(*) AS samples,
               SUM(f.predicted_label = f.true_label) AS correct,
               CAST(SUM(f.predicted_label = f.true_label) AS REAL) / COUNT(*) AS accuracy
        FROM final_predictions f
        LEFT JOIN labels l ON l.experiment_id = f.experiment_id AND l.label = f.true_label
        WHERE f.status = 'completed'
        GROUP BY f.experiment_id, f.model_name, f.true_label;

        CREATE VIEW confusion_matrix AS
        SELECT experiment_id, model_name, true_label, predicted_label, COUNT(*) AS count
        FROM final_predictions
        WHERE status = 'completed'
        GROUP BY experiment_id, model_name, true_label, predicted_label;

        CREATE VIEW learning_curves AS
        SELECT j.experiment_id, j.model_name, m.key, m.epoch,
               COUNT(*) AS points,
               AVG(m.value) AS mean_value,
               MIN(m.value) AS min_value,
               MAX(m.value) AS max_value,
               SUM(m.is_nan) AS nan_count
        FROM metrics m JOIN jobs j ON j.id = m.job_id
        GROUP BY j.experiment_id, j.model_name, m.key, m.epoch;

        PRAGMA user_version = 1;
        """

    /// v2: an index that lets `exp status` find each job's latest epoch without scanning its
    /// metrics (330 ms -> 3 ms per status on 40 jobs x 200 epochs).
    static let v2 = """
        CREATE INDEX metrics_by_epoch ON metrics(job_id, epoch);
        PRAGMA user_version = 2;
        """

    /// How the faces were aligned (section 5.1), the data check's `AlignmentReport` as JSON: the
    /// counts by landmark source, the images with no face or several, the detector and its settings.
    static let v3 = """
        ALTER TABLE experiments ADD COLUMN face_alignment TEXT;
        PRAGMA user_version = 3;
        """

    /// v4: where each job last ran: the executor (a local worker process or a Slurm array task),
    /// the Slurm submission, array job and index, node, requeues, and Slurm's state, reason and
    /// exit code. Written by the coordinator only; Slurm tasks never open the run log.
    static let v4 = """
        CREATE TABLE executions (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            executor TEXT NOT NULL,
            submission TEXT,
            array_job_id INTEGER,
            array_index INTEGER,
            node TEXT,
            requeues INTEGER NOT NULL DEFAULT 0,
            state TEXT,
            reason TEXT,
            exit_code TEXT,
            updated_at TEXT NOT NULL DEFAULT (\(now))
        );
        PRAGMA user_version = 4;
        """

    /// v5: sweeps (`exp run SPEC --sweep key=v1,v2,...`): one row per sweep, and the experiments it
    /// expanded into with the values each takes. An experiment may belong to several sweeps (the
    /// same values swept twice), or to none.
    static let v5 = """
        CREATE TABLE sweeps (
            id INTEGER PRIMARY KEY,
            sweep_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            spec_path TEXT NOT NULL,
            sweep_json TEXT NOT NULL,
            overrides_json TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL DEFAULT (\(now))
        );
        CREATE TABLE sweep_experiments (
            sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            assignments_json TEXT NOT NULL,
            PRIMARY KEY (sweep_id, experiment_id)
        );
        CREATE INDEX sweep_experiments_by_experiment ON sweep_experiments(experiment_id);
        PRAGMA user_version = 5;
        """

    /// v6: reproducibility. Each experiment's numerics (mode and the engine's numerics version,
    /// also in its spec and hash) and the submitting host's machine (`machine_json`: CPU, widest
    /// ISA, OpenBLAS kernel, C kernel level); every start of a job's worker (`attempts`: where it
    /// ran and with which kernels); each job's identity (`job_hash`: resolved model settings,
    /// data and its fingerprint, split, run, fold, seed, numerics) and the job it was copied from
    /// when an equal one had already completed (`reused_from`). Rows of earlier versions keep NULL.
    static let v6 = """
        ALTER TABLE experiments ADD COLUMN numerics_mode TEXT;
        ALTER TABLE experiments ADD COLUMN numerics_version INTEGER;
        ALTER TABLE experiments ADD COLUMN machine_json TEXT;
        ALTER TABLE jobs ADD COLUMN job_hash TEXT;
        ALTER TABLE jobs ADD COLUMN reused_from INTEGER REFERENCES jobs(id) ON DELETE SET NULL;
        CREATE INDEX jobs_by_hash ON jobs(job_hash);
        CREATE TABLE attempts (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            attempt INTEGER NOT NULL,
            resumed_from_epoch INTEGER NOT NULL,
            host TEXT NOT NULL,
            cpu_name TEXT NOT NULL,
            cpu_vendor TEXT NOT NULL,
            cpu_family INTEGER NOT NULL,
            cpu_model INTEGER NOT NULL,
            widest_isa TEXT NOT NULL,
            blas_core TEXT NOT NULL,
            kernel_level TEXT NOT NULL,
            numerics_mode TEXT NOT NULL,
            numerics_version INTEGER NOT NULL,
            started_at TEXT NOT NULL DEFAULT (\(now)),
            PRIMARY KEY (job_id, attempt)
        );
        PRAGMA user_version = 6;
        """

    /// v7: every execution of a job, not only its last: when a job's `executions` row is replaced by
    /// a new submission (a rerun after a cancel, a time limit, a failure), the row it had moves to
    /// `execution_history` first, so that the attempt stays visible.
    static let v7 = """
        CREATE TABLE execution_history (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            executor TEXT NOT NULL,
            submission TEXT,
            array_job_id INTEGER,
            array_index INTEGER,
            node TEXT,
            requeues INTEGER NOT NULL,
            state TEXT,
            reason TEXT,
            exit_code TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX execution_history_by_job ON execution_history(job_id);
        CREATE TRIGGER executions_keep_earlier_attempts BEFORE UPDATE ON executions
        WHEN OLD.executor IS NOT NEW.executor OR OLD.submission IS NOT NEW.submission OR OLD.array_index IS NOT NEW.array_index
            OR (OLD.array_job_id IS NOT NULL AND NEW.array_job_id IS NOT NULL AND OLD.array_job_id <> NEW.array_job_id)
        BEGIN
            INSERT INTO execution_history (job_id, executor, submission, array_job_id, array_index, node, requeues, state, reason,
                                           exit_code, updated_at)
            VALUES (OLD.job_id, OLD.executor, OLD.submission, OLD.array_job_id, OLD.array_index, OLD.node, OLD.requeues, OLD.state,
                    OLD.reason, OLD.exit_code, OLD.updated_at);
        END;
        PRAGMA user_version = 7;
        """

    /// v8: tunes (`exp tune`). One row per tune (its identity, options and rungs); one per trial
    /// (the model it tunes, its values, the experiment that trains it on validation subjects
    /// only); one per trial and rung reached (the validation score there, and whether the trial
    /// was promoted to the next rung). `tune_trials.chosen` marks each model's choice once the tune
    /// has finished. `tune_trial_scores` lists each trial's highest rung. Also: `model_accuracy` and
    /// `model_run_accuracy` gain the experiment's name (`experiment`, their last column), and two
    /// views: `best_epochs` (per job, the epoch of its best validation accuracy, where it has one)
    /// and `fold_comparison` (per experiment, run and fold, each model beside the baseline).
    static let v8 = """
        CREATE TABLE tunes (
            id INTEGER PRIMARY KEY,
            tune_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            spec_path TEXT NOT NULL,
            options_json TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (\(now))
        );
        CREATE TABLE tune_trials (
            id INTEGER PRIMARY KEY,
            tune_id INTEGER NOT NULL REFERENCES tunes(id) ON DELETE CASCADE,
            model_name TEXT NOT NULL,
            trial INTEGER NOT NULL,
            assignments_json TEXT NOT NULL,
            experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
            chosen INTEGER NOT NULL DEFAULT 0,
            UNIQUE (tune_id, model_name, trial)
        );
        CREATE TABLE tune_rungs (
            trial_id INTEGER NOT NULL REFERENCES tune_trials(id) ON DELETE CASCADE,
            rung INTEGER NOT NULL,
            epochs INTEGER NOT NULL,
            score REAL,
            promoted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (trial_id, rung)
        );
        CREATE VIEW tune_trial_scores AS
        SELECT t.tune_hash, t.name AS tune, tt.model_name, tt.trial, tt.assignments_json, tt.experiment_id,
               r.rung, r.epochs, r.score, tt.chosen
        FROM tune_trials tt JOIN tunes t ON t.id = tt.tune_id
        JOIN tune_rungs r ON r.trial_id = tt.id
        WHERE r.rung = (SELECT MAX(rung) FROM tune_rungs WHERE trial_id = tt.id);
        DROP VIEW model_accuracy;
        DROP VIEW model_run_accuracy;
        CREATE VIEW model_run_accuracy AS
        SELECT a.experiment_id, a.model_name, a.model_kind, a.run,
               COUNT(*) AS folds,
               (SELECT COUNT(*) FROM jobs j
                WHERE j.experiment_id = a.experiment_id AND j.model_name = a.model_name AND j.run = a.run) AS folds_planned,
               SUM(a.samples) AS samples,
               SUM(a.correct) AS correct,
               CAST(SUM(a.correct) AS REAL) / SUM(a.samples) AS accuracy,
               (SELECT name FROM experiments e WHERE e.id = a.experiment_id) AS experiment
        FROM job_accuracy a
        WHERE a.status = 'completed'
        GROUP BY a.experiment_id, a.model_name, a.run;
        CREATE VIEW model_accuracy AS
        SELECT r.experiment_id, r.model_name, r.model_kind,
               COUNT(*) AS runs,
               SUM(r.folds) AS folds,
               SUM(r.samples) AS samples,
               m.mean AS mean_accuracy,
               CASE WHEN COUNT(*) > 1
                    THEN sqrt(SUM((r.accuracy - m.mean) * (r.accuracy - m.mean)) / (COUNT(*) - 1)) END AS std_accuracy,
               r.experiment
        FROM model_run_accuracy r
        JOIN (SELECT experiment_id, model_name, AVG(accuracy) AS mean
              FROM model_run_accuracy GROUP BY experiment_id, model_name) m
          ON m.experiment_id = r.experiment_id AND m.model_name = r.model_name
        GROUP BY r.experiment_id, r.model_name;
        CREATE VIEW best_epochs AS
        SELECT j.id AS job_id, j.experiment_id, e.name AS experiment, j.model_name, j.run, j.fold, j.status,
               (SELECT m.epoch FROM metrics m WHERE m.job_id = j.id AND m.key = 'accuracy.validation' AND m.is_nan = 0
                ORDER BY m.value DESC, m.epoch LIMIT 1) AS best_epoch,
               (SELECT MAX(m.value) FROM metrics m WHERE m.job_id = j.id AND m.key = 'accuracy.validation' AND m.is_nan = 0)
                 AS best_validation_accuracy
        FROM jobs j JOIN experiments e ON e.id = j.experiment_id;
        CREATE VIEW fold_comparison AS
        SELECT a.experiment_id, e.name AS experiment, a.run, a.fold, a.model_name, a.accuracy,
               b.model_name AS baseline, b.accuracy AS baseline_accuracy, a.accuracy - b.accuracy AS difference
        FROM job_accuracy a JOIN experiments e ON e.id = a.experiment_id
        JOIN job_accuracy b ON b.experiment_id = a.experiment_id AND b.run = a.run AND b.fold = a.fold AND b.status = 'completed'
         AND b.model_name = (SELECT j.model_name FROM jobs j WHERE j.experiment_id = a.experiment_id AND j.model_kind = 'cnn'
                             ORDER BY j.id LIMIT 1)
        WHERE a.status = 'completed';
        PRAGMA user_version = 8;
        """
}
