// The studio's own words in zh and en (the visitor page's i18n.js stays the visitors').
// Elements name theirs with data-sw (text) and data-sw-label (aria-label).
const WORDS = {
  en: {
    signIn: 'Sign in', name: 'Name', password: 'Password', signOut: 'Sign out',
    exhibitions: 'Exhibitions', newId: 'New exhibition id', newTitle: 'Title', create: 'Create',
    open: 'Open', readOnly: 'read only', upload: 'Upload a glTF/GLB model', exhibits: 'Exhibits',
    view: 'Draft view', hotspotMode: 'Add hotspot', snap: 'Snap to floor or pedestal',
    scale: 'Scale', refreshView: 'Refresh view', metadata: 'Label', addLanguage: 'Add language',
    preview: 'As visitors see it', plan: 'Floor plan', addLight: 'Add light', tours: 'Tours',
    record: 'New tour', addStep: 'Add step', undo: 'Undo', redo: 'Redo', publish: 'Publish',
    versions: 'Versions', diff: 'Changes', showDiff: 'Show changes', audit: 'Audit trail',
    export: 'Export (JSON lines)', restore: 'Restore', live: 'live', remove: 'Remove',
    up: 'Up', down: 'Down', dwell: 'Dwell (s)', narration: 'Narration', pedestal: 'On a pedestal',
    saved: 'saved', saving: 'saving', unsaved: 'unsaved', conflict: 'conflict',
    reloadTheirs: 'Reload theirs', overwriteMine: 'Overwrite with mine',
    conflictText: 'Someone else saved this draft since you opened it. Your changes are kept here: reload theirs (yours are lost) or overwrite with yours.',
    badLanguage: 'is not a language tag (BCP 47, e.g. en, zh, zh-Hant, fr-CA)',
    required: 'is required', pickNothing: 'Nothing there: click on the relic itself.',
    noView: 'The draft view is not connected yet.', selectExhibit: 'Choose an exhibit first.',
    published: 'Published', restored: 'Restored', noChanges: 'No changes.',
    liveNext: 'Saved; lights, spawn, walkable area and screens show after "Refresh view".',
    spawn: 'spawn', light: 'light', walkable: 'walkable area', screens: 'Stage screens',
    addScreen: 'Add screen', jsonl: 'JSON lines', uploading: 'Uploading',
    'stage.uploading': 'Uploading', 'stage.done': 'Done', 'stage.failed': 'Refused',
    gateClean: 'The gate found nothing wrong with this model.', triangles: 'triangles',
    inTour: 'a step of this tour visits it; remove that step first:',
    yaw: 'Yaw°', pitch: 'Pitch°', roll: 'Roll°', lightType: 'Type', colour: 'Colour',
    intensity: 'Intensity', height: 'Height (m)', azimuth: 'Azimuth° (0 faces −Z)',
    elevation: 'Elevation° (below the horizon)', heading: 'Heading° (0 faces −Z, + turns left)',
    eyeHeight: 'Eye height (m)', corner: 'corner', 'light.point': 'point', 'light.spot': 'spot',
    'light.directional': 'directional', 'light.ambient': 'ambient',
    innerCone: 'Inner cone° (full strength)', outerCone: 'Outer cone° (its edge)',
    walkCrosses: 'The walkable area\'s edges would cross: move the corner elsewhere (not saved).',
    walkThree: 'The walkable area keeps at least 3 corners.',
    spawnOutside: 'Visitors would start outside the walkable area: keep the spawn point inside it (not saved).',
    needsRefresh: 'Lights, spawn, walkable area and screens change this view only after saving and "Refresh view".',
    planHelp: 'Click to choose; drag to move; the spawn arrow\'s tip turns it. Arrow keys move the chosen item (shift: 10x), Delete removes it. Double-click the floor to add a corner, a corner to remove it.',
    tourTitles: 'Titles per language',
    animation: 'Animation', 'animation.first': 'Its first animation (default)',
    'animation.still': 'Still (none plays)', loop: 'Loop', speed: 'Speed (×)',
    noAnimations: 'This model has no animations.',
    play: 'Starts', playNothing: '— nothing —', viewpoint: 'Viewpoint',
    asRecorded: 'as recorded', modelCamera: 'camera',
    keyOnly: 'Only the first directional light lights the hall; this one is kept in the document only.',
  },
  zh: {
    signIn: '登录', name: '用户名', password: '密码', signOut: '退出',
    exhibitions: '展览', newId: '新展览编号', newTitle: '标题', create: '创建',
    open: '打开', readOnly: '只读', upload: '上传 glTF/GLB 模型', exhibits: '展品',
    view: '草稿视图', hotspotMode: '添加热点', snap: '吸附到地面或展台',
    scale: '缩放', refreshView: '刷新视图', metadata: '说明牌', addLanguage: '添加语言',
    preview: '观众看到的样子', plan: '平面图', addLight: '添加灯光', tours: '导览',
    record: '新导览', addStep: '添加一步', undo: '撤销', redo: '重做', publish: '发布',
    versions: '版本', diff: '变更', showDiff: '显示变更', audit: '审计记录',
    export: '导出（JSON lines）', restore: '恢复', live: '当前', remove: '删除',
    up: '上移', down: '下移', dwell: '停留（秒）', narration: '解说', pedestal: '放在展台上',
    saved: '已保存', saving: '保存中', unsaved: '未保存', conflict: '冲突',
    reloadTheirs: '载入对方版本', overwriteMine: '用我的覆盖',
    conflictText: '你打开后有人保存了此草稿。你的修改仍保留在这里：载入对方版本（你的修改会丢失）或用你的覆盖。',
    badLanguage: '不是有效的语言标签（BCP 47，如 en、zh、zh-Hant、fr-CA）',
    required: '为必填项', pickNothing: '那里没有展品：请点击文物本身。',
    noView: '草稿视图尚未连接。', selectExhibit: '请先选择一件展品。',
    published: '已发布', restored: '已恢复', noChanges: '没有变更。',
    liveNext: '已保存；灯光、出生点、可行走区域和屏幕在“刷新视图”后显示。',
    spawn: '出生点', light: '灯光', walkable: '可行走区域', screens: '舞台屏幕',
    addScreen: '添加屏幕', jsonl: 'JSON lines', uploading: '上传中',
    'stage.uploading': '上传中', 'stage.done': '完成', 'stage.failed': '被拒绝',
    gateClean: '检查未发现此模型有任何问题。', triangles: '个三角形',
    inTour: '此导览有一步会到访它；请先删除那一步：',
    yaw: '偏航°', pitch: '俯仰°', roll: '翻滚°', lightType: '类型', colour: '颜色',
    intensity: '强度', height: '高度（米）', azimuth: '方位角°（0 朝 −Z）',
    elevation: '仰角°（地平线以下）', heading: '朝向°（0 朝 −Z，正值向左转）',
    eyeHeight: '视线高度（米）', corner: '角点', 'light.point': '点光源', 'light.spot': '聚光灯',
    'light.directional': '平行光', 'light.ambient': '环境光',
    innerCone: '内锥角°（全亮）', outerCone: '外锥角°（边缘）',
    walkCrosses: '可行走区域的边会相交：请把角点移到别处（未保存）。',
    walkThree: '可行走区域至少保留 3 个角点。',
    spawnOutside: '观众会在可行走区域之外出现：请让出生点留在区域内（未保存）。',
    needsRefresh: '灯光、出生点、可行走区域和屏幕要在保存并“刷新视图”后才会显示在此视图中。',
    planHelp: '单击选择；拖动移动；拖动出生点箭头的尖端可转向。方向键移动所选项（按住 Shift 为 10 倍），Delete 删除。双击地面添加角点，双击角点删除。',
    tourTitles: '各语言标题',
    animation: '动画', 'animation.first': '第一个动画（默认）',
    'animation.still': '静止（不播放）', loop: '循环', speed: '速度（倍）',
    noAnimations: '此模型没有动画。',
    play: '开始播放', playNothing: '— 无 —', viewpoint: '视点',
    asRecorded: '录制的视点', modelCamera: '相机',
    keyOnly: '只有第一盏平行光照亮展厅；此灯只保存在文档中。',
  },
};

let language = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';

/** The word for `key` in the studio's language (English when zh lacks it). */
export function w(key) {
  return (WORDS[language] && WORDS[language][key]) ?? WORDS.en[key] ?? key;
}

export function uiLanguage() { return language; }

/** Switch the studio's own words (not the exhibition's texts) and rewrite the page. */
export function setUiLanguage(tag) {
  language = WORDS[tag] ? tag : 'en';
  document.documentElement.lang = language;
  for (const el of document.querySelectorAll('[data-sw]')) el.textContent = w(el.dataset.sw);
  for (const el of document.querySelectorAll('[data-sw-label]')) el.setAttribute('aria-label', w(el.dataset.swLabel));
}

/** A BCP 47 language tag, as far as its shape goes (the server checks the registry). */
export const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-([a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*$/;
