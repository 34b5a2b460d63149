"""The words of the preview's own interface, per language; a missing language falls back to English."""

from __future__ import annotations

LABELS = {
    "en": {
        "score": "Score", "recommendation": "Recommended course", "language": "English", "programmes": "Programmes", "courses": "Courses", "competences": "Competences",
        "hours_per_mode": "Hours per study mode", "matrix": "Role × competence matrix",
        "matrix_note": "Each cell counts the weeks a course spends on a competence (a workshop: 1 when it uses it).",
        "plan": "Course plan", "outcomes": "Learning outcomes", "lessons": "Lessons", "quiz": "Quiz",
        "rubric": "Rubric", "show_answer": "Show the answer", "correct": "correct", "wrong": "wrong",
        "explanation": "Explanation", "criterion": "Criterion", "taught_by": "Taught by",
        "assessed_by": "Assessed by", "not_assessed": "Not assessed", "not_taught": "Not taught",
        "week": "Week", "day": "Day", "face_to_face": "Face-to-face days", "assessment": "Assessment",
        "placement": "Work-based learning", "used_by": "Used by", "level": "Level", "hours": "hours",
        "traceability": "Traceability", "all_assessed": "Every outcome is assessed.",
        "unassessed": "Outcomes nothing assesses", "assignment": "Assignment", "due": "due",
        "legend_f2f": "face-to-face day", "legend_due": "assignment due", "sessions": "Sessions",
        "exercises": "Exercises", "deliverable": "Deliverable", "outcome": "Outcome", "true": "True",
        "false": "False", "description": "Description", "home": "Home",
    },
    "el": {
        "score": "Βαθμολογία", "recommendation": "Προτεινόμενο εργαστήριο", "matrix_note": "Κάθε κελί μετρά τις εβδομάδες που ένα μάθημα αφιερώνει σε μια ικανότητα (εργαστήριο: 1 όταν τη χρησιμοποιεί).",
        "taught_by": "Διδάσκεται σε", "assessed_by": "Αξιολογείται από", "not_assessed": "Δεν αξιολογείται",
        "not_taught": "Δεν διδάσκεται", "used_by": "Χρησιμοποιείται από", "traceability": "Ιχνηλασιμότητα",
        "all_assessed": "Κάθε μαθησιακό αποτέλεσμα αξιολογείται.", "unassessed": "Αποτελέσματα που δεν αξιολογούνται",
        "assignment": "Εργασία", "due": "προθεσμία", "legend_f2f": "δια ζώσης ημέρα", "legend_due": "προθεσμία εργασίας",
        "sessions": "Συνεδρίες", "exercises": "Ασκήσεις", "deliverable": "Παραδοτέο", "outcome": "Αποτέλεσμα",
        "description": "Περιγραφή",
        "language": "Ελληνικά", "programmes": "Προγράμματα", "courses": "Μαθήματα", "competences": "Ικανότητες",
        "hours_per_mode": "Ώρες ανά τρόπο σπουδής", "matrix": "Πίνακας ρόλων × ικανοτήτων",
        "plan": "Πρόγραμμα μαθήματος", "outcomes": "Μαθησιακά αποτελέσματα", "lessons": "Διδακτικές ενότητες",
        "quiz": "Κουίζ", "rubric": "Ρουμπρίκα", "show_answer": "Εμφάνιση απάντησης", "correct": "σωστό",
        "wrong": "λάθος", "explanation": "Εξήγηση", "criterion": "Κριτήριο", "week": "Εβδομάδα",
        "day": "Ημέρα", "face_to_face": "Δια ζώσης ημέρες", "assessment": "Αξιολόγηση",
        "placement": "Μάθηση στον χώρο εργασίας", "level": "Επίπεδο", "hours": "ώρες",
        "true": "Σωστό", "false": "Λάθος", "home": "Αρχική",
    },
    "it": {
        "score": "Punteggio", "recommendation": "Corso consigliato", "matrix_note": "Ogni cella conta le settimane che un corso dedica a una competenza (un workshop: 1 se la usa).",
        "taught_by": "Insegnato in", "assessed_by": "Valutato da", "not_assessed": "Non valutato",
        "not_taught": "Non insegnato", "used_by": "Usata da", "traceability": "Tracciabilità",
        "all_assessed": "Ogni risultato di apprendimento è valutato.", "unassessed": "Risultati che nulla valuta",
        "assignment": "Compito", "due": "scadenza", "legend_f2f": "giornata in presenza", "legend_due": "scadenza del compito",
        "sessions": "Sessioni", "exercises": "Esercizi", "deliverable": "Consegna", "outcome": "Risultato",
        "description": "Descrizione",
        "language": "Italiano", "programmes": "Programmi", "courses": "Corsi", "competences": "Competenze",
        "hours_per_mode": "Ore per modalità di studio", "matrix": "Matrice ruoli × competenze",
        "plan": "Piano del corso", "outcomes": "Risultati di apprendimento", "lessons": "Lezioni",
        "quiz": "Quiz", "rubric": "Rubrica", "show_answer": "Mostra la risposta", "correct": "corretta",
        "wrong": "errata", "explanation": "Spiegazione", "criterion": "Criterio", "week": "Settimana",
        "day": "Giorno", "face_to_face": "Giornate in presenza", "assessment": "Valutazione",
        "placement": "Apprendimento sul lavoro", "level": "Livello", "hours": "ore",
        "true": "Vero", "false": "Falso", "home": "Inizio",
    },
    "pt": {
        "score": "Pontuação", "recommendation": "Curso recomendado", "matrix_note": "Cada célula conta as semanas que um curso dedica a uma competência (um workshop: 1 quando a usa).",
        "taught_by": "Ensinado em", "assessed_by": "Avaliado por", "not_assessed": "Não avaliado",
        "not_taught": "Não ensinado", "used_by": "Usada por", "traceability": "Rastreabilidade",
        "all_assessed": "Todos os resultados de aprendizagem são avaliados.", "unassessed": "Resultados que nada avalia",
        "assignment": "Trabalho", "due": "prazo", "legend_f2f": "dia presencial", "legend_due": "prazo do trabalho",
        "sessions": "Sessões", "exercises": "Exercícios", "deliverable": "Entrega", "outcome": "Resultado",
        "description": "Descrição",
        "language": "Português", "programmes": "Programas", "courses": "Cursos", "competences": "Competências",
        "hours_per_mode": "Horas por modalidade de estudo", "matrix": "Matriz perfis × competências",
        "plan": "Plano do curso", "outcomes": "Resultados de aprendizagem", "lessons": "Lições",
        "quiz": "Questionário", "rubric": "Rubrica", "show_answer": "Mostrar a resposta", "correct": "correta",
        "wrong": "errada", "explanation": "Explicação", "criterion": "Critério", "week": "Semana",
        "day": "Dia", "face_to_face": "Dias presenciais", "assessment": "Avaliação",
        "placement": "Aprendizagem em contexto de trabalho", "level": "Nível", "hours": "horas",
        "true": "Verdadeiro", "false": "Falso", "home": "Início",
    },
}


def labels(lang: str) -> dict[str, str]:
    return {**LABELS["en"], **LABELS.get(lang, {})}


def language_name(lang: str) -> str:
    return LABELS.get(lang, {}).get("language", lang)
