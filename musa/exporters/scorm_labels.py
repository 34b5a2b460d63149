"""The words of a SCORM package's own pages (buttons, headings, messages), per language.

A SCORM package carries its own interface, so it speaks the build's language (`--lang`); a language or a word
missing here falls back to English. `{name}` marks a value filled in; the page script (sco.js) fills in those of
the `js_` labels, which the page hands it as data attributes.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Pages of this unit",
        "pager": "Page navigation",
        "previous": "Previous page",
        "next": "Next page",
        "quiz_intro": "{count} questions. You pass with {threshold}\u00a0% of the answers right. "
                      "Your answers are kept if you leave before submitting.",
        "question": "Question {number}:",
        "choose_all": "Choose every answer that applies.",
        "submit": "Submit answers",
        "js_position": "Page {page} of {pages}",
        "js_result": "You answered {right} of {total} questions right ({score}\u00a0%): {verdict}",
        "js_passed": "passed.",
        "js_not_passed": "not passed yet; read the explanations and try again in a new attempt.",
        "js_open": "Answer every question first: {open} still open.",
        "day": "Day {number}: {title}",
        "assignment": "Practical assignment: {title}",
        "assignment_of": "Practical assignment ({code}): {title}",
        "hand_in": "What to hand in",
        "in_group": "Work in your group.",
        "alone": "Work on your own.",
        "due": "Hand it in by {date}.",
        "where": "Where to submit",
        "where_note": "This page is not graded here: a SCORM package can only report a score the learner's own "
                      "answers produce, and this work is graded by a tutor against the rubric below. Submit your "
                      "work in the assignment activity your tutor has set up for it in this course on your "
                      "learning platform (in Moodle an Assignment, in Open edX an Open Response Assessment), "
                      "under the title \u201c{title}\u201d.",
        "rubric": "Rubric",
        "rubric_caption": "How your tutor grades it: at most {points} points",
        "criterion": "Criterion",
        "level": "Level {number}",
        "one_point": "{points} point",
        "points": "{points} points",
        "self_result": "Your score and the workshop we recommend",
        "score": "Score",
        "workshop": "Workshop",
        "why": "Why",
        "self_note": "Add up your points yourself: this page records nothing.",
        "exercise": "Exercise, {minutes} minutes",
        "hours": "{hours} hours",
    },
    "el": {
        "contents": "Σελίδες αυτής της ενότητας",
        "pager": "Πλοήγηση σελίδων",
        "previous": "Προηγούμενη σελίδα",
        "next": "Επόμενη σελίδα",
        "quiz_intro": "{count} ερωτήσεις. Περνάτε με {threshold}\u00a0% σωστές απαντήσεις. "
                      "Οι απαντήσεις σας διατηρούνται αν φύγετε πριν από την υποβολή.",
        "question": "Ερώτηση {number}:",
        "choose_all": "Επιλέξτε όλες τις απαντήσεις που ισχύουν.",
        "submit": "Υποβολή απαντήσεων",
        "js_position": "Σελίδα {page} από {pages}",
        "js_result": "Απαντήσατε σωστά σε {right} από {total} ερωτήσεις ({score}\u00a0%): {verdict}",
        "js_passed": "επιτυχία.",
        "js_not_passed": "δεν περάσατε ακόμη· διαβάστε τις εξηγήσεις και δοκιμάστε ξανά σε νέα προσπάθεια.",
        "js_open": "Απαντήστε πρώτα σε όλες τις ερωτήσεις: {open} χωρίς απάντηση.",
        "day": "Ημέρα {number}: {title}",
        "assignment": "Πρακτική εργασία: {title}",
        "assignment_of": "Πρακτική εργασία ({code}): {title}",
        "hand_in": "Τι παραδίδετε",
        "in_group": "Εργαστείτε με την ομάδα σας.",
        "alone": "Εργαστείτε ατομικά.",
        "due": "Παραδώστε την έως {date}.",
        "where": "Πού την υποβάλλετε",
        "where_note": "Αυτή η σελίδα δεν βαθμολογείται εδώ: ένα πακέτο SCORM μπορεί να αναφέρει μόνο βαθμό που "
                      "προκύπτει από τις απαντήσεις του ίδιου του εκπαιδευόμενου, ενώ αυτή την εργασία τη "
                      "βαθμολογεί ένας εκπαιδευτής με βάση τη ρουμπρίκα παρακάτω. Υποβάλετε την εργασία σας στη "
                      "δραστηριότητα εργασίας που έχει ορίσει ο εκπαιδευτής σας σε αυτό το μάθημα στην πλατφόρμα "
                      "μάθησής σας (στο Moodle μια Εργασία, στο Open edX μια Open Response Assessment), με τον "
                      "τίτλο «{title}».",
        "rubric": "Ρουμπρίκα",
        "rubric_caption": "Πώς τη βαθμολογεί ο εκπαιδευτής σας: έως {points} βαθμοί",
        "criterion": "Κριτήριο",
        "level": "Επίπεδο {number}",
        "one_point": "{points} βαθμός",
        "points": "{points} βαθμοί",
        "self_result": "Η βαθμολογία σας και το εργαστήριο που προτείνουμε",
        "score": "Βαθμολογία",
        "workshop": "Εργαστήριο",
        "why": "Γιατί",
        "self_note": "Αθροίστε μόνοι σας τους βαθμούς σας: αυτή η σελίδα δεν καταγράφει τίποτα.",
        "exercise": "Άσκηση, {minutes} λεπτά",
        "hours": "{hours} ώρες",
    },
    "it": {
        "contents": "Pagine di questa unità",
        "pager": "Navigazione tra le pagine",
        "previous": "Pagina precedente",
        "next": "Pagina successiva",
        "quiz_intro": "{count} domande. Si supera con il {threshold}\u00a0% di risposte corrette. "
                      "Le risposte restano salvate se esci prima di inviarle.",
        "question": "Domanda {number}:",
        "choose_all": "Scegli tutte le risposte corrette.",
        "submit": "Invia le risposte",
        "js_position": "Pagina {page} di {pages}",
        "js_result": "Hai risposto correttamente a {right} domande su {total} ({score}\u00a0%): {verdict}",
        "js_passed": "superato.",
        "js_not_passed": "non ancora superato; leggi le spiegazioni e riprova con un nuovo tentativo.",
        "js_open": "Rispondi prima a tutte le domande: {open} ancora senza risposta.",
        "day": "Giorno {number}: {title}",
        "assignment": "Esercitazione pratica: {title}",
        "assignment_of": "Esercitazione pratica ({code}): {title}",
        "hand_in": "Che cosa consegnare",
        "in_group": "Lavora con il tuo gruppo.",
        "alone": "Lavora da solo.",
        "due": "Consegnalo entro il {date}.",
        "where": "Dove consegnare",
        "where_note": "Questa pagina non viene valutata qui: un pacchetto SCORM può riportare solo un punteggio "
                      "prodotto dalle risposte dello studente, mentre questo lavoro è valutato da un tutor secondo "
                      "la rubrica qui sotto. Consegna il tuo lavoro nell'attività di consegna che il tuo tutor ha "
                      "predisposto in questo corso sulla tua piattaforma di apprendimento (in Moodle un Compito, "
                      "in Open edX una Open Response Assessment), con il titolo «{title}».",
        "rubric": "Rubrica",
        "rubric_caption": "Come lo valuta il tuo tutor: al massimo {points} punti",
        "criterion": "Criterio",
        "level": "Livello {number}",
        "one_point": "{points} punto",
        "points": "{points} punti",
        "self_result": "Il tuo punteggio e il laboratorio che ti consigliamo",
        "score": "Punteggio",
        "workshop": "Laboratorio",
        "why": "Perché",
        "self_note": "Somma tu stesso i tuoi punti: questa pagina non registra nulla.",
        "exercise": "Esercizio, {minutes} minuti",
        "hours": "{hours} ore",
    },
    "pt": {
        "contents": "Páginas desta unidade",
        "pager": "Navegação entre páginas",
        "previous": "Página anterior",
        "next": "Página seguinte",
        "quiz_intro": "{count} perguntas. Fica aprovado com {threshold}\u00a0% de respostas certas. "
                      "As suas respostas ficam guardadas se sair antes de as submeter.",
        "question": "Pergunta {number}:",
        "choose_all": "Escolha todas as respostas que se aplicam.",
        "submit": "Submeter respostas",
        "js_position": "Página {page} de {pages}",
        "js_result": "Acertou em {right} de {total} perguntas ({score}\u00a0%): {verdict}",
        "js_passed": "aprovado.",
        "js_not_passed": "ainda não aprovado; leia as explicações e tente de novo numa nova tentativa.",
        "js_open": "Responda primeiro a todas as perguntas: {open} ainda sem resposta.",
        "day": "Dia {number}: {title}",
        "assignment": "Trabalho prático: {title}",
        "assignment_of": "Trabalho prático ({code}): {title}",
        "hand_in": "O que entregar",
        "in_group": "Trabalhe com o seu grupo.",
        "alone": "Trabalhe individualmente.",
        "due": "Entregue até {date}.",
        "where": "Onde submeter",
        "where_note": "Esta página não é avaliada aqui: um pacote SCORM só pode comunicar uma classificação "
                      "produzida pelas respostas do próprio formando, e este trabalho é avaliado por um tutor com "
                      "a rubrica abaixo. Submeta o seu trabalho na atividade de entrega que o seu tutor criou "
                      "para ele neste curso na sua plataforma de aprendizagem (no Moodle um Trabalho, no Open edX "
                      "uma Open Response Assessment), com o título «{title}».",
        "rubric": "Rubrica",
        "rubric_caption": "Como o seu tutor o avalia: no máximo {points} pontos",
        "criterion": "Critério",
        "level": "Nível {number}",
        "one_point": "{points} ponto",
        "points": "{points} pontos",
        "self_result": "A sua pontuação e o workshop que recomendamos",
        "score": "Pontuação",
        "workshop": "Workshop",
        "why": "Porquê",
        "self_note": "Some os seus pontos: esta página não regista nada.",
        "exercise": "Exercício, {minutes} minutos",
        "hours": "{hours} horas",
    },
}


def label(lang: str, key: str, **values: object) -> str:
    """The word or sentence `key` in `lang` (English where `lang` lacks it), with `values` filled in."""
    text = LABELS.get(lang, {}).get(key) or LABELS["en"][key]
    return text.format(**values) if values else text


def script_labels(lang: str) -> dict[str, str]:
    """The labels the page script fills in itself (`js_` keys), by name without the prefix."""
    return {key[3:]: label(lang, key) for key in LABELS["en"] if key.startswith("js_")}
