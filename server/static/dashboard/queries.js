// Every GraphQL document the dashboard sends, in one place. Rows of the list, of its live events
// and of a conversation's header share their fragments, so a live update carries exactly what
// the first page did.

const ROW = `fragment Row on Conversation {
  id type status startedAt lastActivityAt messageCount waitingSince
  assistant { id name }
  variables(source: PRE_CHAT_FORM) { name value }
  messages(last: 3) { edges { node { role content } } }
  usage { totalTokens cost costKnown }
  labels { id name colour }
  rating { score }
}`;

/** Checks the key at sign-in, and says what it may do (an agent's key: whose "Mine" is). */
export const SIGN_IN = `query SignIn { viewer { scopes agent { id name } } }`;

export const OPTIONS = `query Options {
  assistants { id name }
  labels { id name colour }
  variableNames
}`;

export const LIST = `query List($filter: ConversationFilter, $orderBy: ConversationOrder, $after: String, $first: Int!) {
  conversations(filter: $filter, orderBy: $orderBy, after: $after, first: $first) {
    totalCount
    eventCursor
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...Row } }
  }
}
${ROW}`;

export const BADGE = `subscription Badge($filter: ConversationFilter) { conversationCount(filter: $filter) }`;

export const FACETS = `subscription Facets($filter: ConversationFilter) {
  conversationCounts(filter: $filter) {
    total
    byType { type count }
    byStatus { status count }
    byAssistant { assistant { id name } count }
  }
}`;

export const EVENTS = `subscription Events($filter: ConversationFilter, $after: String) {
  conversationEvents(filter: $filter, after: $after) {
    cursor kind conversationId conversation { ...Row }
  }
}
${ROW}`;

export const ERASED = `subscription Erased($after: String) {
  conversationErased(after: $after) { cursor conversationId }
}`;

const HEADER = `fragment Header on Conversation {
  id type mode status startedAt lastActivityAt endedAt durationSeconds messageCount externalId
  handling assigneeId waitingSince takenOverAt
  assistant { id name }
  visitor { sessionId pageUrl userAgent locale }
  usage { inputTokens outputTokens cachedInputTokens totalTokens cost costKnown }
  usageByModel { provider model replies usage { inputTokens outputTokens totalTokens cost costKnown } }
  variables { name value type source collectedAt messageSequence }
  rating { score comment ratedAt }
  labels { id name colour }
}`;

const MESSAGE = `fragment Line on Message {
  id sequence role content createdAt provider model handover agent { id name }
  usage { inputTokens outputTokens cachedInputTokens totalTokens cost costKnown }
  pricing { source }
  feedback { rating reason }
}`;

export const CONVERSATION = `query Conversation($id: ID!, $after: String) {
  conversation(id: $id) {
    ...Header
    messages(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...Line } }
    }
  }
}
${HEADER}
${MESSAGE}`;

export const MORE_MESSAGES = `query Messages($id: ID!, $after: String) {
  conversation(id: $id) {
    messages(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...Line } }
    }
  }
}
${MESSAGE}`;

export const MESSAGE_ADDED = `subscription Said($id: ID!, $after: String) {
  messageAdded(conversationId: $id, after: $after) { cursor node { ...Line } }
}
${MESSAGE}`;

export const CONVERSATION_EVENTS = `subscription Changed($filter: ConversationFilter, $after: String) {
  conversationEvents(filter: $filter, after: $after) {
    cursor kind conversationId conversation { ...Header }
  }
}
${HEADER}`;

// The Inbox (inbox.js) and a conversation's work (work.js).
const INBOX_ROW = `fragment InboxRow on Conversation {
  id status handling assigneeId waitingSince takenOverAt startedAt lastActivityAt messageCount
  assistant { id name }
  variables(source: PRE_CHAT_FORM) { name value }
  messages(last: 3) { edges { node { role content } } }
}`;

export const INBOX = `query Inbox($filter: ConversationFilter, $after: String, $first: Int!) {
  conversations(filter: $filter, orderBy: {field: WAITING_SINCE, direction: ASC}, after: $after, first: $first) {
    totalCount
    eventCursor
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...InboxRow } }
  }
}
${INBOX_ROW}`;

export const INBOX_EVENTS = `subscription InboxEvents($filter: ConversationFilter, $after: String) {
  conversationEvents(filter: $filter, after: $after) {
    cursor kind conversationId conversation { ...InboxRow }
  }
}
${INBOX_ROW}`;

/** The Inbox's tab counts: facets of the active conversations. */
export const INBOX_COUNTS = `subscription InboxCounts($filter: ConversationFilter) {
  conversationCounts(filter: $filter) { byHandling { handling count } byAssignee { assigneeId count } }
}`;

export const AGENTS = `query Agents { agents { id name } }`;

export const WORKBENCH = `query Workbench { agents { id name } labels { id name colour } }`;

export const TAKE_OVER = `mutation TakeOver($id: ID!) { takeOver(conversationId: $id) { ...Header } }
${HEADER}`;

export const HAND_BACK = `mutation HandBack($id: ID!) { handBack(conversationId: $id) { ...Header } }
${HEADER}`;

export const ASSIGN = `mutation Assign($id: ID!, $agentId: ID) {
  assignConversation(conversationId: $id, agentId: $agentId) { ...Header }
}
${HEADER}`;

export const REPLY = `mutation Reply($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } }
}`;

export const ADD_LABELS = `mutation AddLabels($id: ID!, $labelIds: [ID!]!) {
  addLabels(conversationId: $id, labelIds: $labelIds) { ...Header }
}
${HEADER}`;

export const REMOVE_LABELS = `mutation RemoveLabels($id: ID!, $labelIds: [ID!]!) {
  removeLabels(conversationId: $id, labelIds: $labelIds) { ...Header }
}
${HEADER}`;

export const END = `mutation End($id: ID!) { endConversation(conversationId: $id) { conversation { ...Header } } }
${HEADER}`;

export const ERASE = `mutation Erase($id: ID!) { deleteConversation(id: $id) { erasedConversations } }`;

const BUCKET = `conversations messages replies inputTokens outputTokens cost costKnown averageCost`;

export const USAGE = `query Usage($filter: ConversationFilter, $groupBy: UsageGrouping!, $timeZone: String!) {
  overTime: usageSummary(groupBy: $groupBy, filter: $filter, timeZone: $timeZone) {
    groupBy timeZone buckets { start end ${BUCKET} }
  }
  byAssistant: usageSummary(groupBy: ASSISTANT, filter: $filter, timeZone: $timeZone) {
    buckets { assistantId assistant { name } ${BUCKET} }
  }
  byModel: usageSummary(groupBy: MODEL, filter: $filter, timeZone: $timeZone) {
    buckets { provider model ${BUCKET} }
  }
}`;

// The Test Chat (testchat.js).
export const TEST_ASSISTANTS = `query TestAssistants { assistants { id name } }`;

export const TEST_FACE = `query TestFace($id: ID!) {
  widgetAssistant(id: $id) { id preChatForm { name label type required options } }
}`;

export const TEST_START = `mutation TestStart($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id type } }
}`;

export const TEST_SEND = `mutation TestSend($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } }
}`;

export const TEST_MESSAGES = `subscription TestMessages($id: ID!) {
  messageAdded(conversationId: $id) { node { id sequence role content state
    usage { inputTokens outputTokens cost costKnown } } }
}`;

export const TEST_CHUNKS = `subscription TestChunks($id: ID!) {
  replyChunks(conversationId: $id) { messageId sequence offset text state }
}`;

export const TEST_RETRY = `mutation TestRetry($id: ID!) { retryReply(messageId: $id) }`;

// The Assistants pages (assistants.js, assistant.js, widgetkeys.js).
export const ASSISTANTS = `query Assistants { assistants { id name createdAt engine { model provider } } }`;

const SETTINGS = `fragment Settings on Assistant {
  id name createdAt widgetMode allowedOrigins
  preChatForm { name label type required options pattern }
  extractedVariables { name type description }
  engine { model provider instructions firstMessage temperature maxReplyTokens }
}`;

export const ASSISTANT = `query Assistant($id: ID!) {
  node(id: $id) { ... on Assistant { ...Settings } }
}
${SETTINGS}`;

export const CREATE_ASSISTANT = `mutation CreateAssistant($input: AssistantInput!) {
  createAssistant(input: $input) { assistant { ...Settings } }
}
${SETTINGS}`;

export const UPDATE_ASSISTANT = `mutation UpdateAssistant($id: ID!, $input: AssistantInput!) {
  updateAssistant(id: $id, input: $input) { assistant { ...Settings } }
}
${SETTINGS}`;

export const ARCHIVE_ASSISTANT = `mutation ArchiveAssistant($id: ID!) {
  archiveAssistant(id: $id) { assistant { id } }
}`;

const KEY = `fragment Key on ApiKey { id kind prefix name assistantId createdAt lastUsedAt revokedAt }`;

export const WIDGET_KEYS = `query WidgetKeys { apiKeys { ...Key } }
${KEY}`;

export const CREATE_WIDGET_KEY = `mutation CreateWidgetKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { ...Key } secret }
}
${KEY}`;

export const REVOKE_KEY = `mutation RevokeKey($id: ID!) { revokeApiKey(id: $id) { ...Key } }
${KEY}`;
