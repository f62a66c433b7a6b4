// Every word the widget shows, in each language it speaks. A catalogue per language, keyed by its
// BCP-47 tag in lower case ("de", or "pt-br" for a regional one); each has exactly English's keys
// (tests/test_widget_strings.py checks it, and that every key the widget uses is here). To add a
// language, copy `en`, translate its values, keep the {placeholders}.

const CATALOGUES = {
  en: {
    "launcher.open": "Open chat",
    "launcher.openUnread": "Open chat (new message)",
    "panel.title": "Chat",
    "panel.close": "Close chat",
    "panel.loading": "Loading…",
    "panel.unavailable": "The chat is not available: {reason}",
    "panel.newChat": "Start a new chat",
    "form.label": "Before we start",
    "form.choose": "Choose…",
    "form.modes": "How would you like to talk?",
    "form.modeChat": "Chat",
    "form.modeVoice": "Voice & chat",
    "form.start": "Start chat",
    "chat.label": "Chat with {name}",
    "chat.messages": "Messages",
    "chat.you": "You",
    "chat.writing": "{name} is writing",
    "chat.input": "Your message",
    "chat.placeholder": "Write a message…",
    "chat.send": "Send",
    "chat.compose": "Send a message",
    "chat.end": "End chat",
    "chat.ended": "This chat has ended.",
    "chat.connecting": "Connecting…",
    "chat.connected": "Connected",
    "chat.reconnecting": "Reconnecting…",
    "chat.retrying": "Connection lost: trying again…",
    "chat.notSent": "Not sent: {reason}",
    "chat.notEnded": "Could not end the chat: {reason}",
    "reply.failed": "The assistant could not answer.",
    "reply.incomplete": "The reply was cut short.",
    "reply.retry": "Try again",
    "reply.asking": "Asking again…",
    "reply.notAsked": "Could not ask again: {reason}",
    "reply.waiting": "No one has answered yet — we'll keep your message here.",
    "reply.unavailable": "This assistant can't answer right now — we'll keep your message here.",
    "rating.label": "Rate this chat",
    "rating.question": "How was this chat?",
    "rating.poor": "Poor",
    "rating.fair": "Fair",
    "rating.good": "Good",
    "rating.veryGood": "Very good",
    "rating.excellent": "Excellent",
    "rating.comment": "Comment (optional)",
    "rating.placeholder": "Anything to add? (optional)",
    "rating.send": "Send rating",
    "rating.pick": "Choose from 1 to 5.",
    "rating.thanks": "Thank you for your feedback!",
    "rating.notSent": "Not sent: {reason}"
  },
  de: {
    "launcher.open": "Chat öffnen",
    "launcher.openUnread": "Chat öffnen (neue Nachricht)",
    "panel.title": "Chat",
    "panel.close": "Chat schließen",
    "panel.loading": "Wird geladen…",
    "panel.unavailable": "Der Chat ist nicht verfügbar: {reason}",
    "panel.newChat": "Neuen Chat beginnen",
    "form.label": "Bevor wir beginnen",
    "form.choose": "Bitte wählen…",
    "form.modes": "Wie möchten Sie sprechen?",
    "form.modeChat": "Chat",
    "form.modeVoice": "Sprache & Chat",
    "form.start": "Chat beginnen",
    "chat.label": "Chat mit {name}",
    "chat.messages": "Nachrichten",
    "chat.you": "Sie",
    "chat.writing": "{name} schreibt",
    "chat.input": "Ihre Nachricht",
    "chat.placeholder": "Nachricht schreiben…",
    "chat.send": "Senden",
    "chat.compose": "Eine Nachricht senden",
    "chat.end": "Chat beenden",
    "chat.ended": "Dieser Chat ist beendet.",
    "chat.connecting": "Verbinden…",
    "chat.connected": "Verbunden",
    "chat.reconnecting": "Neu verbinden…",
    "chat.retrying": "Verbindung unterbrochen: neuer Versuch…",
    "chat.notSent": "Nicht gesendet: {reason}",
    "chat.notEnded": "Der Chat konnte nicht beendet werden: {reason}",
    "reply.failed": "Der Assistent konnte nicht antworten.",
    "reply.incomplete": "Die Antwort wurde abgebrochen.",
    "reply.retry": "Erneut versuchen",
    "reply.asking": "Wird erneut gefragt…",
    "reply.notAsked": "Konnte nicht erneut fragen: {reason}",
    "reply.waiting": "Noch hat niemand geantwortet — Ihre Nachricht bleibt hier für Sie.",
    "reply.unavailable": "Dieser Assistent kann gerade nicht antworten — Ihre Nachricht bleibt hier für Sie.",
    "rating.label": "Diesen Chat bewerten",
    "rating.question": "Wie war dieser Chat?",
    "rating.poor": "Schlecht",
    "rating.fair": "Mäßig",
    "rating.good": "Gut",
    "rating.veryGood": "Sehr gut",
    "rating.excellent": "Ausgezeichnet",
    "rating.comment": "Kommentar (optional)",
    "rating.placeholder": "Möchten Sie etwas ergänzen? (optional)",
    "rating.send": "Bewertung senden",
    "rating.pick": "Wählen Sie 1 bis 5.",
    "rating.thanks": "Vielen Dank für Ihre Rückmeldung!",
    "rating.notSent": "Nicht gesendet: {reason}"
  },
  fr: {
    "launcher.open": "Ouvrir le chat",
    "launcher.openUnread": "Ouvrir le chat (nouveau message)",
    "panel.title": "Chat",
    "panel.close": "Fermer le chat",
    "panel.loading": "Chargement…",
    "panel.unavailable": "Le chat n'est pas disponible : {reason}",
    "panel.newChat": "Commencer un nouveau chat",
    "form.label": "Avant de commencer",
    "form.choose": "Choisir…",
    "form.modes": "Comment souhaitez-vous échanger ?",
    "form.modeChat": "Chat",
    "form.modeVoice": "Voix et chat",
    "form.start": "Commencer le chat",
    "chat.label": "Chat avec {name}",
    "chat.messages": "Messages",
    "chat.you": "Vous",
    "chat.writing": "{name} écrit",
    "chat.input": "Votre message",
    "chat.placeholder": "Écrivez un message…",
    "chat.send": "Envoyer",
    "chat.compose": "Envoyer un message",
    "chat.end": "Terminer le chat",
    "chat.ended": "Ce chat est terminé.",
    "chat.connecting": "Connexion…",
    "chat.connected": "Connecté",
    "chat.reconnecting": "Reconnexion…",
    "chat.retrying": "Connexion perdue : nouvel essai…",
    "chat.notSent": "Non envoyé : {reason}",
    "chat.notEnded": "Impossible de terminer le chat : {reason}",
    "reply.failed": "L'assistant n'a pas pu répondre.",
    "reply.incomplete": "La réponse a été interrompue.",
    "reply.retry": "Réessayer",
    "reply.asking": "Nouvelle demande…",
    "reply.notAsked": "Impossible de redemander : {reason}",
    "reply.waiting": "Personne n'a encore répondu — nous gardons votre message ici.",
    "reply.unavailable": "Cet assistant ne peut pas répondre pour le moment — nous gardons votre message ici.",
    "rating.label": "Évaluer ce chat",
    "rating.question": "Comment s'est passé ce chat ?",
    "rating.poor": "Mauvais",
    "rating.fair": "Passable",
    "rating.good": "Bien",
    "rating.veryGood": "Très bien",
    "rating.excellent": "Excellent",
    "rating.comment": "Commentaire (facultatif)",
    "rating.placeholder": "Quelque chose à ajouter ? (facultatif)",
    "rating.send": "Envoyer l'évaluation",
    "rating.pick": "Choisissez de 1 à 5.",
    "rating.thanks": "Merci pour votre avis !",
    "rating.notSent": "Non envoyé : {reason}"
  },
  es: {
    "launcher.open": "Abrir el chat",
    "launcher.openUnread": "Abrir el chat (mensaje nuevo)",
    "panel.title": "Chat",
    "panel.close": "Cerrar el chat",
    "panel.loading": "Cargando…",
    "panel.unavailable": "El chat no está disponible: {reason}",
    "panel.newChat": "Empezar un chat nuevo",
    "form.label": "Antes de empezar",
    "form.choose": "Elegir…",
    "form.modes": "¿Cómo prefiere hablar?",
    "form.modeChat": "Chat",
    "form.modeVoice": "Voz y chat",
    "form.start": "Empezar el chat",
    "chat.label": "Chat con {name}",
    "chat.messages": "Mensajes",
    "chat.you": "Usted",
    "chat.writing": "{name} está escribiendo",
    "chat.input": "Su mensaje",
    "chat.placeholder": "Escriba un mensaje…",
    "chat.send": "Enviar",
    "chat.compose": "Enviar un mensaje",
    "chat.end": "Terminar el chat",
    "chat.ended": "Este chat ha terminado.",
    "chat.connecting": "Conectando…",
    "chat.connected": "Conectado",
    "chat.reconnecting": "Reconectando…",
    "chat.retrying": "Conexión perdida: reintentando…",
    "chat.notSent": "No enviado: {reason}",
    "chat.notEnded": "No se pudo terminar el chat: {reason}",
    "reply.failed": "El asistente no pudo responder.",
    "reply.incomplete": "La respuesta quedó incompleta.",
    "reply.retry": "Reintentar",
    "reply.asking": "Preguntando de nuevo…",
    "reply.notAsked": "No se pudo preguntar de nuevo: {reason}",
    "reply.waiting": "Nadie ha respondido todavía — guardamos su mensaje aquí.",
    "reply.unavailable": "Este asistente no puede responder ahora — guardamos su mensaje aquí.",
    "rating.label": "Valorar este chat",
    "rating.question": "¿Qué tal fue este chat?",
    "rating.poor": "Malo",
    "rating.fair": "Regular",
    "rating.good": "Bueno",
    "rating.veryGood": "Muy bueno",
    "rating.excellent": "Excelente",
    "rating.comment": "Comentario (opcional)",
    "rating.placeholder": "¿Algo que añadir? (opcional)",
    "rating.send": "Enviar valoración",
    "rating.pick": "Elija de 1 a 5.",
    "rating.thanks": "¡Gracias por su opinión!",
    "rating.notSent": "No enviado: {reason}"
  }
};

/** The catalogue for a BCP-47 tag: its own ("pt-br"), else its language's ("fr-CA": "fr"). */
function catalogueOf(tag) {
  if (!tag) return null;
  const lower = String(tag).toLowerCase();
  if (Object.hasOwn(CATALOGUES, lower)) return lower;
  const language = lower.split("-")[0];
  return Object.hasOwn(CATALOGUES, language) ? language : null;
}

/**
 * The language the widget speaks: the assistant's when it names one (English when there is no
 * catalogue for it: the builder chose, the visitor's browser does not overrule), else the first of
 * the browser's languages with a catalogue, else English. Returns {lang, catalogue}: `lang` for
 * the `lang` attribute, as the tag that was matched.
 */
export function chooseLanguage(assistantLanguage, browserLanguages = navigator.languages || [navigator.language]) {
  if (assistantLanguage) {
    const found = catalogueOf(assistantLanguage);
    return found ? { lang: assistantLanguage, catalogue: found } : { lang: "en", catalogue: "en" };
  }
  for (const tag of browserLanguages || []) {
    const found = catalogueOf(tag);
    if (found) return { lang: tag, catalogue: found };
  }
  return { lang: "en", catalogue: "en" };
}

/** `t(key, {name: …})`: the catalogue's text for `key` (English's where it lacks one), with its
 * {placeholders} filled. */
export function translator(catalogue) {
  const strings = CATALOGUES[catalogue] || CATALOGUES.en;
  return (key, values = {}) => {
    const text = Object.hasOwn(strings, key) ? strings[key] : CATALOGUES.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
  };
}
